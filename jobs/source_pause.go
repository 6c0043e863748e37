package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
)

// PauseSource holds every job of source, in every process, for wait: each
// job reads the pause before it starts and snoozes until it is over. Call
// it when the vendor refuses a request for the rate limit (a 429), which the
// other processes sharing the source have not seen; a pause is only ever
// extended, never shortened. db is the pool, or the transaction the pause
// belongs to.
func PauseSource(ctx context.Context, db dbq.DBTX, source string, wait time.Duration, reason string) error {
	err := dbq.New(db).PauseSource(ctx, dbq.PauseSourceParams{Source: source, PausedUntil: time.Now().Add(wait), Reason: reason})
	if err != nil {
		return fmt.Errorf("record the pause of source %s: %w", source, err)
	}
	return nil
}

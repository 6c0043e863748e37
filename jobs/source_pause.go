package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db/dbq"
)

// PauseOnRefusal returns the fetcher.Config.RateLimitedFunc that holds every
// job of source, in every process, for the wait a rate-limit refusal (429)
// asked for: each job reads the pause before it starts and snoozes until it
// is over. It sees every refusal, the ones the client waits out inline too,
// which the other processes sharing the source have not met. A pause is only
// ever extended, never shortened.
func PauseOnRefusal(pool *pgxpool.Pool, source string, log zerolog.Logger) func(ctx context.Context, endpoint string, wait time.Duration) {
	q := dbq.New(pool)
	return func(ctx context.Context, endpoint string, wait time.Duration) {
		reason := fmt.Sprintf("%s: rate limited (429), retry in %s", endpoint, wait.Round(time.Millisecond))
		err := q.PauseSource(ctx, dbq.PauseSourceParams{Source: source, PausedUntil: time.Now().Add(wait), Reason: reason})
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Str("source", source).Msg("record source pause")
		}
	}
}

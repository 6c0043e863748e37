package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/db/dbq"
)

// MirroredModifiedAt returns a lookup of the mirror's modification times of
// source's live conversations, so that a source whose listings show only
// summaries (Chatvolt) fetches details only for conversations that changed.
func MirroredModifiedAt(pool *pgxpool.Pool, source string) func(context.Context, []string) (map[string]time.Time, error) {
	return func(ctx context.Context, ids []string) (map[string]time.Time, error) {
		rows, err := dbq.New(pool).ConversationModifiedAt(ctx, dbq.ConversationModifiedAtParams{Source: source, Ids: ids})
		if err != nil {
			return nil, fmt.Errorf("read mirrored modification times: %w", err)
		}
		out := make(map[string]time.Time, len(rows))
		for _, r := range rows {
			if r.ModifiedAt != nil {
				out[r.ID] = *r.ModifiedAt
			}
		}
		return out, nil
	}
}

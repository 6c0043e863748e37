package dbtest

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/record"
)

// WriteBatch writes b for source in a transaction of its own, as a pass
// writes a page, and returns what it wrote.
func WriteBatch(t testing.TB, pool *pgxpool.Pool, source string, b *record.Batch, opts db.WriteOptions) db.WriteResult {
	t.Helper()
	var res db.WriteResult
	err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
		var err error
		res, err = db.WriteBatch(t.Context(), tx, source, b, opts)
		return err
	})
	if err != nil {
		t.Fatalf("write a batch of %s: %v", source, err)
	}
	return res
}

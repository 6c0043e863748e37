package dbtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// StartClient starts a River client on a test's database and stops it when
// the test ends, cancelling the jobs still running, before the database is
// dropped.
func StartClient(t testing.TB, client *river.Client[pgx.Tx]) {
	t.Helper()
	// Not the test's context: that ends before the cleanups run, and the
	// client must work until it is stopped.
	if err := client.Start(context.Background()); err != nil {
		t.Fatalf("start River client: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.StopAndCancel(ctx)
	})
}

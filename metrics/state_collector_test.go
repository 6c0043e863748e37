package metrics_test

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/metrics"
)

// TestStateOfConfiguredSourcesOnly: the freshness of a source renamed or
// removed since (its rows stay in the database) is not exported by a process
// configured without it, so that its stalled alert does not fire for good.
func TestStateOfConfiguredSourcesOnly(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	dbtest.Exec(t, pool, `INSERT INTO sync_state (source, stream) VALUES ('devrev', 'conversations'), ('renamed', 'conversations')`)
	dbtest.Exec(t, pool, `INSERT INTO sync_runs (source, stream, kind, finished_at, status) VALUES
		('devrev', 'conversations', 'incremental', now(), 'succeeded'), ('renamed', 'conversations', 'incremental', now(), 'succeeded')`)
	m := metrics.New(pool)
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, err := io.ReadAll(rec.Body)
		require.NoError(t, err)
		return string(body)
	}
	require.Contains(t, scrape(), `syncer_last_pass_success_timestamp_seconds{source="renamed"`, "a process that watches no source shows them all")
	m.WatchSources(map[string]func() bool{"devrev": func() bool { return true }})
	out := scrape()
	require.Contains(t, out, `syncer_last_pass_success_timestamp_seconds{source="devrev"`)
	require.NotContains(t, out, `source="renamed"`)
}

// TestLastPassIsTheLastThatSucceeded: the time of a stream's last pass is
// that of its last run that succeeded, whatever failed or runs since.
func TestLastPassIsTheLastThatSucceeded(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	dbtest.Exec(t, pool, `INSERT INTO sync_state (source, stream) VALUES ('devrev', 'conversations'), ('idle', 'conversations')`)
	dbtest.Exec(t, pool, `INSERT INTO sync_runs (source, stream, kind, started_at, finished_at, status) VALUES
		('devrev', 'conversations', 'backfill', '2026-01-01 00:00Z', '2026-01-01 01:00Z', 'succeeded'),
		('devrev', 'conversations', 'incremental', '2026-01-02 00:00Z', '2026-01-02 00:01Z', 'succeeded'),
		('devrev', 'conversations', 'incremental', '2026-01-03 00:00Z', '2026-01-03 00:01Z', 'failed'),
		('devrev', 'conversations', 'incremental', '2026-01-04 00:00Z', NULL, 'running'),
		('idle', 'conversations', 'backfill', '2026-01-01 00:00Z', NULL, 'running')`)
	runs, err := dbq.New(pool).LastSucceededRuns(t.Context())
	require.NoError(t, err)
	require.Len(t, runs, 1, "a stream that never succeeded has no last pass")
	require.Equal(t, "devrev", runs[0].Source)
	require.True(t, runs[0].FinishedAt.Equal(time.Date(2026, 1, 2, 0, 1, 0, 0, time.UTC)), "%v", runs[0].FinishedAt)
}

package metrics_test

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/metrics"
)

// TestStateOfConfiguredSourcesOnly: the freshness of a source renamed or
// removed since (its rows stay in the database) is not exported by a process
// configured without it, so that its stalled alert does not fire for good.
func TestStateOfConfiguredSourcesOnly(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
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

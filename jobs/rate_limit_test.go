package jobs_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/jobs"
)

// TestRateLimitWaits shows the two ways a job waits for the rate limit: a
// refusal (429) pauses the source for every process, through the database;
// a budget the pacer sees spent only snoozes the job, since every process
// reads the same budget from its own answers.
func TestRateLimitWaits(t *testing.T) {
	t.Parallel()

	// pause returns the source's recorded pause reason, "" when none.
	pause := func(t *testing.T, b *testBundle) string {
		t.Helper()
		return dbtest.Value[string](t, b.pool, "SELECT coalesce(max(reason), '') FROM source_pauses WHERE source = $1", testSource)
	}
	// waited counts the jobs that waited for the rate limit: snoozed, or
	// queued to run once the wait is over.
	waited := func(t *testing.T, b *testBundle) int {
		t.Helper()
		return dbtest.Value[int](t, b.pool,
			"SELECT count(*) FROM river_job WHERE (metadata->>'snoozes')::int > 0 OR scheduled_at > created_at + interval '100 ms'")
	}

	t.Run("ARefusalPausesTheSource", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 20, faults: []faultproxy.Rule{
			// Longer than the test's 2 s inline wait: the job snoozes.
			{PathSuffix: "/timeline-entries.list", Times: 1, Fault: faultproxy.RateLimited(3)},
		}})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, 1, b.proxy.Applied(0))
		b.requireExact(t)
		require.Contains(t, pause(t, b), "rate limited")
		require.Positive(t, waited(t, b))
	})

	t.Run("ASpentBudgetSnoozesWithoutPausing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{
			conversations: 30,
			server:        devrevtest.Options{Faults: fakeapi.Faults{RateLimit: 10, RateWindow: time.Second}},
			http:          fetcher.Config{MaxInlineWait: 200 * time.Millisecond},
		})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
		require.Zero(t, b.server.Stats().RateLimited, "one process paced by exact headers is never refused")
		require.Positive(t, waited(t, b), "the budget must actually run out")
		require.Empty(t, pause(t, b))
	})
}

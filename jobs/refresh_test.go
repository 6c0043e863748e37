package jobs_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/jobs"
)

// TestRefreshesCoalesce: a burst of events on one conversation queues one
// re-read while it waits to start; an event after it started queues the
// next one.
func TestRefreshesCoalesce(t *testing.T) {
	t.Parallel()
	// No worker starts the re-reads.
	deps, client := setupInserter(t)
	pool := deps.Pool
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			require.NoError(t, deps.QueueRefreshes(t.Context(), client, testSource, []string{"c1", "c2"}, time.Now()))
		})
	}
	wg.Wait()
	count := func() int {
		return dbtest.Value[int](t, pool, "SELECT count(*) FROM river_job WHERE kind = 'refresh_conversation'")
	}
	require.Equal(t, 2, count(), "one re-read per conversation")
	// A re-read that started takes its pending mark: the next event needs
	// (and gets) a re-read of its own.
	dbtest.Exec(t, pool, "DELETE FROM pending_refreshes WHERE conversation_id = 'c1'")
	require.NoError(t, deps.QueueRefreshes(t.Context(), client, testSource, []string{"c1"}, time.Now()))
	require.Equal(t, 3, count())
	require.Equal(t, 1, dbtest.Value[int](t, pool, "SELECT min(priority) FROM river_job WHERE kind = 'refresh_conversation'"), "before the passes' jobs")
}

// lagRecorder hears the webhook lags.
type lagRecorder struct {
	mu   sync.Mutex
	lags []time.Duration
}

func (r *lagRecorder) AddRows(string, map[string]int)            {}
func (r *lagRecorder) ObservePass(string, string, time.Duration) {}
func (r *lagRecorder) ObserveWebhookLag(_ string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lags = append(r.lags, d)
}

// TestRefreshReadsTheSourceNotTheEvent: a re-read reads the conversation
// from the API whatever the event said: a forged "deleted" leaves a live
// conversation live, a real delete (404) marks it deleted, and a comment
// gone from the timeline is reconciled though nothing else moved.
func TestRefreshReadsTheSourceNotTheEvent(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 10})
	rec := &lagRecorder{}
	b.deps.Observer = rec
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	snap := b.ws.Snapshot()
	live, gone, trimmed := snap.Conversations[0], snap.Conversations[1], snap.Conversations[2]
	b.ws.DeleteConversation(gone.ID)
	require.NotEmpty(t, trimmed.Comments)
	b.ws.RemoveComment(trimmed.Comments[0].ID)

	at := time.Now().Add(-time.Second)
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{live.ID, gone.ID, trimmed.ID}, at))
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, time.Now(), 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	b.requireExact(t)
	require.False(t, dbtest.Value[bool](t, b.pool, "SELECT deleted_at IS NOT NULL FROM conversations WHERE id = $1", live.ID))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.lags, 2, "the two conversations still there were read and their lag measured")
	for _, l := range rec.lags {
		require.GreaterOrEqual(t, l, time.Second)
	}
}

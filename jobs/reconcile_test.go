package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/jobs"
)

// TestCompleteReadsReconcile: when a conversation changed, its messages are
// read again from the first to the last, and what the vendor no longer
// returns is marked deleted, its text dropped; edits land at any depth.
func TestCompleteReadsReconcile(t *testing.T) {
	t.Parallel()
	// noRecheck keeps incremental passes to the conversations that changed.
	noRecheck := jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: time.Hour}

	t.Run("ChatwootDeletesAndEditsAtAnyDepth", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{conversations: 5})
		conv := b.ws.AddConversation("Lara Long", "the first message")
		for i := range 142 {
			b.ws.AddMessage(conv, fmt.Sprintf("message %d", i), i%2, i%17 == 0)
		}
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)

		msgs := chatwootMessages(b.ws, conv)
		require.Len(t, msgs, 143)
		b.ws.RemoveMessage(msgs[0])            // the first
		b.ws.RemoveMessage(msgs[len(msgs)-41]) // 40 from the newest
		b.ws.RemoveMessage(msgs[len(msgs)-1])  // the newest
		b.ws.EditMessage(msgs[10], "edited deep")
		b.ws.DeleteMessage(msgs[70]) // Chatwoot's own delete: a placeholder
		b.server.ResetStats()
		out := b.runPassOpts(t, noRecheck)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
		require.Equal(t, 3, b.server.Stats().Requests["conversations.messages"], "140 messages: two pages, and a check of the ids the full one passed")
	})

	t.Run("DevRevCommentsThatVanishAreMarkedDeleted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 8, comments: 30, pageSize: 10})
		b.runPass(t, jobs.PassBackfill)
		b.requireExact(t)

		var conv string
		var comments []string
		for _, c := range b.ws.Snapshot().Conversations {
			if len(c.Comments) >= 20 {
				conv, comments = c.ID, c.MessageIDs()
				break
			}
		}
		require.NotEmpty(t, conv, "a conversation whose timeline spans pages")
		b.ws.RemoveComment(comments[0])
		b.ws.RemoveComment(comments[len(comments)/2])
		b.ws.RemoveComment(comments[len(comments)-1])
		b.ws.EditComment(comments[3], "edited deep")
		out := b.runPassOpts(t, noRecheck)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
	})

	t.Run("ChatvoltDeletesAndEditsAtAnyDepth", func(t *testing.T) {
		t.Parallel()
		b := setupChatvolt(t, chatvoltOptions(), 20)
		var open, resolved string
		for _, c := range b.ws.Snapshot().Conversations {
			switch {
			case c.Status == "RESOLVED" && resolved == "":
				resolved = c.ID
			case c.Status != "RESOLVED" && open == "":
				open = c.ID
			}
		}
		for i := range 40 {
			b.ws.AddMessage(open, fmt.Sprintf("more %d", i), []string{"human", "agent"}[i%2])
		}
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)

		// An open conversation: its edits and deletes do not move its
		// updatedAt, and the recheck of open conversations reads it again.
		msgs := chatvoltMessages(b.ws, open)
		b.ws.DeleteMessage(msgs[0])
		b.ws.DeleteMessage(msgs[len(msgs)/2])
		b.ws.DeleteMessage(msgs[len(msgs)-1])
		b.ws.EditMessage(msgs[5], "edited deep")
		// A resolved one that changed: read again because it changed.
		old := chatvoltMessages(b.ws, resolved)
		b.ws.DeleteMessage(old[0])
		b.ws.SetPriority(resolved, "HIGH")
		out := b.runPassOpts(t, jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: 0})
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
	})

	t.Run("AReadCutOffMidwayDeletesNothing", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{conversations: 3})
		conv := b.ws.AddConversation("Cut Carla", "the first message")
		for i := range 249 {
			b.ws.AddMessage(conv, fmt.Sprintf("message %d", i), i%2, false)
		}
		b.run(t, jobs.PassBackfill)
		msgs := chatwootMessages(b.ws, conv)
		b.ws.RemoveMessage(msgs[1])   // on the first page of the read
		b.ws.RemoveMessage(msgs[230]) // on the last

		// The read's second page fails until the fault is lifted: the
		// first page has committed by then.
		secondPage := strconv.Itoa(msgs[100])
		b.proxy.SetRules(faultproxy.Rule{PathSuffix: "/messages", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if r.URL.Query().Get("after") == secondPage {
				http.Error(w, `{"error":"Internal Server Error"}`, http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		}})
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		started := time.Now()
		_, err := jobs.StartPass(ctx, b.deps, b.client, "chatwoot", noRecheck)
		require.NoError(t, err)
		waitFor(ctx, t, "the second page to fail", func() bool { return b.proxy.Applied(0) > 0 })
		var deleted int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL").Scan(&deleted))
		require.Zero(t, deleted, "a read cut off midway deletes nothing")

		b.proxy.SetRules()
		out, err := jobs.WaitSource(ctx, b.client, "chatwoot", started, 20*time.Millisecond, nil)
		require.NoError(t, err)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
	})
}

// waitForLockWait waits until one session of the test's database waits for
// a lock in the named query.
func waitForLockWait(ctx context.Context, t *testing.T, pool *pgxpool.Pool, query, what string) {
	t.Helper()
	waitFor(ctx, t, what, func() bool {
		return dbtest.Value[int](t, pool, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, query) == 1
	})
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-tick.C:
		}
	}
}

func chatwootMessages(ws *chatwoottest.Workspace, conv int) []int {
	for _, c := range ws.Snapshot().Conversations {
		if c.ID == conv {
			return c.MessageIDs()
		}
	}
	return nil
}

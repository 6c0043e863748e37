package jobs_test

import (
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/jobs"
)

// TestQuarantinedChildrenAreReadAgainOnTheirOwn requires a quarantined chat
// and SLA tracker to be fetched again at the end of the next pass, each on
// its own, and to leave the quarantine once they land; the tracker's retry
// reads none of its conversation's messages.
func TestQuarantinedChildrenAreReadAgainOnTheirOwn(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 30})
	// The tracker refused is one of the less recently modified half's: an
	// incremental pass reads the messages of the latest conversations
	// anyway (its listing overlaps the pass before).
	convs := slices.Clone(b.ws.Snapshot().Conversations)
	slices.SortFunc(convs, func(a, b devrevtest.SnapConversation) int { return a.ModifiedDate.Compare(b.ModifiedDate) })
	old := map[string]bool{}
	for _, c := range convs[:len(convs)/2] {
		if c.SLA != nil {
			old[c.SLA.TrackerID] = true
		}
	}
	refuse := faultproxy.Status(http.StatusBadRequest, `{"type":"bad_request","message":"cannot read this one"}`)
	var trackerRefused atomic.Bool
	b.proxy.SetRules(
		faultproxy.Rule{PathSuffix: "/chats.get", Times: 1, Fault: refuse},
		faultproxy.Rule{PathSuffix: "/sla-trackers.get", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if old[r.URL.Query().Get("id")] && trackerRefused.CompareAndSwap(false, true) {
				refuse(w, r, next)
				return
			}
			next.ServeHTTP(w, r)
		}},
	)
	b.run(t, jobs.PassBackfill)
	require.Equal(t, []string{"chats", "sla_trackers"}, dbtest.Column[string](t, b.pool, "SELECT stream FROM quarantine WHERE resolved_at IS NULL ORDER BY stream"))
	parent := dbtest.Value[string](t, b.pool, "SELECT parent_id FROM quarantine WHERE stream = 'sla_trackers'")

	var parentsTimeline atomic.Int32
	b.proxy.SetRules(faultproxy.Rule{PathSuffix: "/timeline-entries.list", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Query().Get("object") == parent {
			parentsTimeline.Add(1)
		}
		next.ServeHTTP(w, r)
	}})
	before := b.server.Stats().Requests
	b.run(t, jobs.PassIncremental)
	after := b.server.Stats().Requests
	require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL"), "both landed at their retry")
	require.Greater(t, after["chats.get"], before["chats.get"], "the chat is fetched again")
	require.Equal(t, before["sla-trackers.get"]+1, after["sla-trackers.get"], "the tracker is fetched again")
	require.Zero(t, parentsTimeline.Load(), "the tracker's conversation's messages are not read again")
	b.requireExact(t)
}

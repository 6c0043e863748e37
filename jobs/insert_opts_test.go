package jobs

import (
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/dbtest"
)

func TestDedupeJobs(t *testing.T) {
	t.Parallel()
	ref := jobRef{source: "s", runID: 1}
	out := dedupeJobs([]river.InsertManyParams{
		insertParams(VerifyConversationArgs{Source: "s", ConversationID: "c1", RunID: 1}, ref),
		insertParams(ConversationsArgs{Source: "s", RunID: 1}, ref),
		insertParams(VerifyConversationArgs{Source: "s", ConversationID: "c1", RunID: 2}, ref),
		insertParams(VerifyConversationArgs{Source: "s", ConversationID: "c2", RunID: 1}, ref),
		insertParams(MessagesArgs{JobRun: JobRun{Source: "s"}, Targets: []MessageTarget{{ConversationID: "c1"}}}, ref),
	})
	require.Len(t, out, 4)
	require.Equal(t, int64(1), out[0].Args.(VerifyConversationArgs).RunID, "the first of duplicates is kept")
}

// TestAPageAndItsPassEndAskingForTheSameChats: a pass's last page asks for
// its chats, and the pass's end for the quarantined ones again; when they
// are the same, both jobs have the same args, which River's unique insert
// refuses in one batch (SQLSTATE 21000), and the page's commit, pass end
// included, would fail at every attempt.
func TestAPageAndItsPassEndAskingForTheSameChats(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	client, err := NewClient(d, ClientConfig{Workers: 1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ref := jobRef{source: "s", runID: 1}
	next := append(chatJobs(ref, []string{"chat1"}), chatJobs(ref, []string{"chat1"})...)
	_, err = client.InsertMany(t.Context(), dedupeJobs(next))
	require.NoError(t, err)
	require.Equal(t, 1, dbtest.Value[int](t, d.Pool, "SELECT count(*) FROM river_job WHERE kind = 'sync_chats'"))
}

func TestMessageJobs(t *testing.T) {
	t.Parallel()
	targets := make([]MessageTarget, messagesPerJob*2+3)
	for i := range targets {
		targets[i].ConversationID = string(rune('a' + i%26))
	}
	jobs := messageJobs(jobRef{source: "s", runID: 1}, targets)
	require.Len(t, jobs, 3)
	require.Len(t, jobs[2].Args.(MessagesArgs).Targets, 3)
}

// TestAReReadQueuesItsChildrenWhileLikeOnesRun: a webhook's re-read queues
// its conversation's chat and SLA tracker reads even while reads of the
// same ones run, which may have fetched before the change the webhook told.
func TestAReReadQueuesItsChildrenWhileLikeOnesRun(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	client, err := NewClient(d, ClientConfig{Workers: 1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ref := jobRef{source: "s", urgent: true}
	page := &fetcher.ConversationPage{ChatIDs: []string{"chat1"}, SLATrackers: []fetcher.SLATrackerRef{{ConversationID: "c1", TrackerID: "t1"}}}
	reread := func() {
		t.Helper()
		_, err := client.InsertMany(ctx, refreshChildren(ref, page, db.WriteResult{}, time.Time{}))
		require.NoError(t, err)
	}
	reread()
	dbtest.Exec(t, d.Pool, "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE kind IN ('sync_chats', 'sync_sla_trackers')")
	reread()
	for _, kind := range []string{"sync_chats", "sync_sla_trackers"} {
		require.Equal(t, []string{"available", "running"},
			dbtest.Column[string](t, d.Pool, "SELECT state::text FROM river_job WHERE kind = $1 ORDER BY state::text", kind), kind)
	}
}

// TestQuarantinedChatsAreRetriedInJobsOfAPage: the chats in quarantine at
// the end of a pass are read again in jobs of a page's size, not in one job
// that would outlast its timeout.
func TestQuarantinedChatsAreRetriedInJobsOfAPage(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	dbtest.Exec(t, d.Pool, `INSERT INTO quarantine (source, stream, record_id, raw, error)
		SELECT 's', 'chats', 'chat' || i, '{}', 'refused' FROM generate_series(1, 250) AS i`)
	e := &passEnd{q: dbq.New(d.Pool), ref: jobRef{source: "s", runID: 1}}
	require.NoError(t, e.quarantine(t.Context()))
	var sizes []int
	for _, p := range e.next {
		sizes = append(sizes, len(p.Args.(ChatArgs).ChatIDs))
	}
	require.Equal(t, []int{chatsPerJob, chatsPerJob, 50}, sizes)
}

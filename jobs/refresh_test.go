package jobs_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
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

	// A mark whose re-read never started (its job cancelled, say) holds
	// back the conversation's events for a while, not for ever.
	dbtest.Exec(t, pool, "DELETE FROM river_job WHERE kind = 'refresh_conversation' AND args->>'conversation_id' = 'c2'")
	require.NoError(t, deps.QueueRefreshes(t.Context(), client, testSource, []string{"c2"}, time.Now()))
	require.Equal(t, 2, count(), "a fresh mark still coalesces")
	dbtest.Exec(t, pool, "UPDATE pending_refreshes SET queued_at = now() - interval '16 minutes', first_event_at = now() - interval '16 minutes' WHERE conversation_id = 'c2'")
	eventAt := time.Now().Truncate(time.Microsecond)
	require.NoError(t, deps.QueueRefreshes(t.Context(), client, testSource, []string{"c2"}, eventAt))
	require.Equal(t, 3, count(), "a stale mark does not")
	require.True(t, eventAt.Equal(dbtest.Value[time.Time](t, pool, "SELECT first_event_at FROM pending_refreshes WHERE conversation_id = 'c2'")),
		"the new re-read answers the new event: its lag counts from it")
	require.NoError(t, deps.QueueRefreshes(t.Context(), client, testSource, []string{"c2", "c2"}, time.Now()))
	require.Equal(t, 3, count(), "and the new mark coalesces again, a conversation named twice too")
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

// TestAStaleReadDoesNotBringBackADeletedComment: two reads of one
// conversation overlap. The first fetches a comment, which is then deleted
// at the source; the second reads the timeline without it and marks it
// deleted; the first commits its copy last. The comment stays deleted:
// the copy was fetched by a job that began before the deletion was found.
func TestAStaleReadDoesNotBringBackADeletedComment(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	b.requireExact(t)
	held, comment, started := readAcrossADeletion(t, b, 1)
	deleted := func() bool {
		return dbtest.Value[bool](t, b.pool, "SELECT deleted_at IS NOT NULL FROM messages WHERE id = $1", comment)
	}
	waitFor(t.Context(), t, "the second read to mark the comment deleted", deleted)

	close(held.release[0])
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	require.True(t, deleted(), "the stale copy did not bring the comment back")
	b.requireExact(t)
}

// TestACommentStoredDuringAReadIsNotTakenForDeleted: a read looks at a
// conversation's timeline before a comment is added to it, and commits
// later, with the rest of its batch; meanwhile another read stores the new
// comment. The first read's end does not take the comment for deleted: it
// was stored after that read began.
func TestACommentStoredDuringAReadIsNotTakenForDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 2})
	convs := b.ws.Snapshot().Conversations
	looked, slow := convs[0].ID, convs[1].ID

	// The backfill reads both timelines in one job: the first is answered,
	// the second held, so the job commits after what follows.
	served, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	b.proxy.SetRules(faultproxy.Rule{PathSuffix: "timeline-entries.list",
		Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			switch r.URL.Query().Get("object") {
			case slow:
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
			case looked:
				defer once.Do(func() { close(served) })
			}
			next.ServeHTTP(w, r)
		}})
	started := time.Now()
	_, err := jobs.StartPass(t.Context(), b.deps, b.client, testSource, jobs.PassOptions{Kind: jobs.PassBackfill})
	require.NoError(t, err)
	<-served
	require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM conversation_messages_synced WHERE id = $1", looked),
		"the backfill's read of the conversation has not committed")

	comment := b.ws.AddComment(looked, "added after the backfill looked", "external")
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{looked}, time.Now()))
	waitFor(t.Context(), t, "the re-read to store the new comment", func() bool {
		return dbtest.Value[int](t, b.pool, "SELECT count(*) FROM messages WHERE id = $1", comment) == 1
	})

	close(release)
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	require.False(t, dbtest.Value[bool](t, b.pool, "SELECT deleted_at IS NOT NULL FROM messages WHERE id = $1", comment), "the comment is live")
	b.requireExact(t)
}

// TestAReadOvertakenByAStaleOneReadsAgain: a read fetches a comment, which
// is then deleted at the source; a second read looks without it, and the
// first commits its copy while the second is under way. The second cannot
// tell that copy from one fetched after it looked, so it keeps the comment
// and reads the conversation again, which finds it gone.
func TestAReadOvertakenByAStaleOneReadsAgain(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	held, comment, started := readAcrossADeletion(t, b, 2)
	<-held.fetched[1]

	// The first read commits its stale copy while the second is under way.
	syncedAt := func() time.Time {
		return dbtest.Value[time.Time](t, b.pool, "SELECT synced_at FROM messages WHERE id = $1", comment)
	}
	before := syncedAt()
	close(held.release[0])
	waitFor(t.Context(), t, "the first read to commit", func() bool { return syncedAt().After(before) })
	close(held.release[1])

	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	b.requireExact(t)
	require.Equal(t, 3, held.answers(), "one read more (each timeline is one page)")
}

// TestAStaleNewCommentDoesNotOutliveALaterRead: a read fetches a comment
// the mirror never held, which is then deleted at the source; a second
// read ends without it; the first commits it after. There is nothing to
// keep deleted, so the first read, which another ended during, reads the
// conversation again, which finds the comment gone.
func TestAStaleNewCommentDoesNotOutliveALaterRead(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	conv := b.ws.Snapshot().Conversations[0]
	comment := b.ws.AddComment(conv.ID, "deleted before the mirror keeps it", "external")

	held := holdAnswers(b, "timeline-entries.list", 1)
	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, started))
	<-held.fetched[0]
	b.ws.RemoveComment(comment)
	endAnotherRead(t, b, conv.ID)
	require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM messages WHERE id = $1", comment))

	close(held.release[0])
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	b.requireExact(t)
}

// TestReadsEndingInOneInstantSeeEachOther: two reads of a conversation
// that share no stored message (the first holds a new comment, since
// deleted at the source; the second ends without it) reach their last
// commit together. One of them must see that the other ended and read the
// conversation again; otherwise the deleted comment stays in the mirror.
// The test locks the row that records the conversation as read until both
// wait for a lock: unordered, both have looked for the other's end by then.
func TestReadsEndingInOneInstantSeeEachOther(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	conv := b.ws.AddConversation("no comments yet")
	for _, c := range b.ws.Snapshot().Conversations {
		if c.ID == conv {
			b.ws.RemoveComment(c.Comments[0].ID) // its opening comment
		}
	}
	require.True(t, b.runPass(t, jobs.PassIncremental).OK())
	comment := b.ws.AddComment(conv, "deleted while two reads run", "external")

	held := holdAnswers(b, "timeline-entries.list", 2)
	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv}, started))
	<-held.fetched[0]
	b.ws.RemoveComment(comment)
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv}, time.Now()))
	<-held.fetched[1]

	tx, err := b.pool.Begin(t.Context())
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(t.Context()) }()
	_, err = tx.Exec(t.Context(), "SELECT 1 FROM conversation_messages_synced WHERE source = $1 AND id = $2 FOR UPDATE", testSource, conv)
	require.NoError(t, err)
	close(held.release[0])
	close(held.release[1])
	waitFor(t.Context(), t, "both reads to wait for a lock", func() bool {
		return dbtest.Value[int](t, b.pool, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'
			  AND (query LIKE '%LockReadEnds%' OR query LIKE '%MarkMessagesSyncedMany%')`) == 2
	})
	require.NoError(t, tx.Rollback(t.Context()))

	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	require.Equal(t, 3, held.answers(), "one read more (each timeline is one page)")
	b.requireExact(t)
}

// TestACutOffReadLeavesItsConversationBehind: a read fetches a new comment
// on its first page, the comment is deleted at the source, and a second
// read ends without it; the first then stores its copy, and its next page
// is refused for good. It never reconciles, and the second read's record
// says the conversation is read: the read given up marks it as read for no
// time, so that the next pass reads it again and finds the comment gone.
func TestACutOffReadLeavesItsConversationBehind(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4, pageSize: 2})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	conv, _ := commented(t, b.ws)
	comment := b.ws.AddComment(conv.ID, "deleted while a read holds it", "external")

	fetched, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	answered, refused := 0, false
	b.proxy.SetRules(faultproxy.Rule{PathSuffix: "timeline-entries.list", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		mu.Lock()
		n := answered
		answered++
		refuse := !refused && n > 0 && r.URL.Query().Get("cursor") != "" && isClosed(release)
		refused = refused || refuse
		mu.Unlock()
		switch {
		case n == 0: // the first read's first page, newest first: the comment
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			close(fetched)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		case refuse: // its next page
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"unauthenticated","message":"token revoked"}`))
		default:
			next.ServeHTTP(w, r)
		}
	}})
	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, started))
	<-fetched
	b.ws.RemoveComment(comment)
	endAnotherRead(t, b, conv.ID)
	close(release)
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.False(t, out.OK(), "the first read was given up")
	require.True(t, refused)
	require.Equal(t, 1, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM messages WHERE id = $1 AND deleted_at IS NULL", comment), "its stale copy")

	b.proxy.SetRules()
	require.True(t, b.runPass(t, jobs.PassIncremental).OK())
	b.requireExact(t)
}

// TestAReadGivenUpAtItsFirstPageLeavesItsConversationBehind: a re-read
// (a webhook's, say: one the conversation's modification time does not
// show) given up before its first page stored anything still leaves its
// conversation to be read again by the next pass; otherwise the comment
// deleted meanwhile stays until the conversation changes.
func TestAReadGivenUpAtItsFirstPageLeavesItsConversationBehind(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	conv, comment := commented(t, b.ws)
	b.ws.SetCommentsBumpConversation(false)
	b.ws.RemoveComment(comment) // the conversation's modification time stays

	b.proxy.SetRules(faultproxy.Rule{PathSuffix: "timeline-entries.list",
		Fault: faultproxy.Status(http.StatusUnauthorized, `{"type":"unauthenticated","message":"token revoked"}`)})
	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, started))
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.False(t, out.OK(), "the re-read was given up")
	require.Positive(t, b.proxy.Applied(0))

	b.proxy.SetRules()
	require.True(t, b.runPassOpts(t, jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: time.Hour}).OK())
	b.requireExact(t)
}

// isClosed reports whether ch is closed.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// endAnotherRead queues a re-read of conversation id and waits until it
// has ended.
func endAnotherRead(t *testing.T, b *testBundle, id string) {
	t.Helper()
	readEnded := func() time.Time {
		return dbtest.Value[time.Time](t, b.pool, "SELECT read_done_at FROM conversation_messages_synced WHERE id = $1", id)
	}
	before := readEnded()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{id}, time.Now()))
	waitFor(t.Context(), t, "the other read to end", func() bool { return readEnded().After(before) })
}

// readAcrossADeletion starts a re-read of a conversation with comments,
// whose timeline answer (and the next hold-1) it holds once fetched; then
// it deletes a comment at the source and starts a second re-read. It
// returns the held answers, the deleted comment and when the first read
// was queued.
func readAcrossADeletion(t *testing.T, b *testBundle, hold int) (*heldAnswers, string, time.Time) {
	t.Helper()
	conv, comment := commented(t, b.ws)
	held := holdAnswers(b, "timeline-entries.list", hold)
	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, started))
	<-held.fetched[0]
	b.ws.RemoveComment(comment)
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, time.Now()))
	return held, comment, started
}

// commented is a conversation of ws with comments, and its first comment.
func commented(t *testing.T, ws *devrevtest.Workspace) (devrevtest.SnapConversation, string) {
	t.Helper()
	for _, c := range ws.Snapshot().Conversations {
		if len(c.Comments) > 0 {
			return c, c.Comments[0].ID
		}
	}
	t.Fatal("no conversation has comments")
	return devrevtest.SnapConversation{}, ""
}

// heldAnswers holds the first answers of an endpoint: each is fetched from
// the fake at once, as the source is then, and delivered when its release
// is closed. Later answers pass.
type heldAnswers struct {
	fetched, release []chan struct{}

	mu       sync.Mutex
	answered int
}

// holdAnswers holds the first n answers of b's fake whose path ends with
// path.
func holdAnswers(b *testBundle, path string, n int) *heldAnswers {
	h := &heldAnswers{}
	for range n {
		h.fetched = append(h.fetched, make(chan struct{}))
		h.release = append(h.release, make(chan struct{}))
	}
	b.proxy.SetRules(faultproxy.Rule{PathSuffix: path, Fault: h.serve})
	return h
}

func (h *heldAnswers) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	h.mu.Lock()
	n := h.answered
	h.answered++
	h.mu.Unlock()
	if n >= len(h.fetched) {
		next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	close(h.fetched[n])
	select {
	case <-h.release[n]:
	case <-r.Context().Done():
		return
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// answers counts the timeline requests answered or held.
func (h *heldAnswers) answers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.answered
}

// TestARefusedHintOfAConversationNotMirroredIsIgnored: a webhook may name a
// conversation this token may not read (an account's webhook names every
// inbox's, an agent's token reads its own). Refused and not in the mirror,
// it is none of the mirror's: no quarantine, which every pass would try
// again for ever. One the mirror holds, refused, is quarantined as before.
func TestARefusedHintOfAConversationNotMirroredIsIgnored(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 4})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	held := b.ws.Snapshot().Conversations[0].ID
	other := strings.Replace(held, "conversation/", "conversation/9", 1)
	bad := strings.Replace(held, "conversation/", "conversation/8", 1)
	forbidden := faultproxy.Status(http.StatusForbidden, `{"type":"forbidden","message":"not allowed"}`)
	badRequest := faultproxy.Status(http.StatusBadRequest, `{"type":"bad_request","message":"malformed id"}`)
	b.proxy.SetRules(faultproxy.Rule{PathSuffix: "conversations.get", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Query().Get("id") == bad {
			badRequest(w, r, next)
			return
		}
		forbidden(w, r, next)
	}})

	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{other, held, bad}, time.Now()))
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	require.Equal(t, []string{held, bad}, dbtest.Column[string](t, b.pool,
		"SELECT record_id FROM quarantine WHERE resolved_at IS NULL ORDER BY record_id"),
		"another refusal than a 401 or 403 (a 400) still shows in quarantine")
	require.Equal(t, 3, dbtest.Value[int](t, b.pool,
		"SELECT count(*)::int FROM river_job WHERE kind = 'refresh_conversation' AND state = 'completed'"))
}

// TestAnOlderSLAReadCommittedLastIsReadAgain: two reads of a conversation's
// SLA tracker overlap (a pass's and a webhook's, say). The first fetches
// the tracker, which then changes at the source; the second reads the new
// one and commits first. Nothing dates an SLA, so the first cannot tell
// its copy is older: it stores it, and reads the tracker once more, after
// both, so that the mirror ends as the source is.
func TestAnOlderSLAReadCommittedLastIsReadAgain(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{conversations: 30})
	require.True(t, b.runPass(t, jobs.PassBackfill).OK())
	b.requireExact(t)
	var conv devrevtest.SnapConversation
	running := func(c devrevtest.SnapConversation) bool {
		return c.SLA != nil && !c.SLA.Embedded && slices.ContainsFunc(c.SLA.Metrics, func(m devrevtest.SnapMetric) bool { return m.Stage != "completed" })
	}
	for _, c := range b.ws.Snapshot().Conversations {
		if running(c) && c.Stage != "resolved" && c.Stage != "archived" {
			conv = c
			break
		}
	}
	require.NotEmpty(t, conv.ID, "a conversation with an SLA tracker read on its own, still running")
	completed := func() bool {
		return dbtest.Value[int](t, b.pool, "SELECT count(*) FROM sla_metrics WHERE conversation_id = $1 AND stage <> 'completed' AND deleted_at IS NULL", conv.ID) == 0
	}
	require.False(t, completed())

	held := holdAnswers(b, "sla-trackers.get", 1)
	started := time.Now()
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, started))
	select {
	case <-held.fetched[0]: // the first read has the SLA running
	case <-t.Context().Done():
		t.Fatal("the tracker was not read")
	}
	b.ws.SetStage(conv.ID, "resolved")
	require.NoError(t, b.deps.QueueRefreshes(t.Context(), b.client, testSource, []string{conv.ID}, time.Now()))
	waitFor(t.Context(), t, "the second read to store the completed SLA", completed)

	close(held.release[0])
	out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), out.Failures)
	b.requireExact(t)
	require.True(t, completed())
}

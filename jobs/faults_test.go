package jobs_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/jobs"
)

// TestVendorFaults runs passes against a fake API behind a proxy that breaks
// answers the ways real APIs do. Passing faults slow a pass down and lose
// nothing; lasting ones fail it with a clear error.
func TestVendorFaults(t *testing.T) {
	t.Parallel()

	passing := []struct {
		name  string
		rules []faultproxy.Rule
	}{
		{"TruncatedJSON", []faultproxy.Rule{{PathSuffix: "/conversations.list", Times: 2, Fault: faultproxy.Truncated()}}},
		{"HTMLWithStatus200", []faultproxy.Rule{{PathSuffix: "/timeline-entries.list", Times: 3, Fault: faultproxy.HTML200()}}},
		{"EmptyBody", []faultproxy.Rule{{PathSuffix: "/conversations.list", Times: 2, Fault: faultproxy.EmptyBody()}}},
		{"BurstOf503", []faultproxy.Rule{{PathSuffix: ".list", Times: 6, Fault: faultproxy.Status(http.StatusServiceUnavailable, `{"type":"service_unavailable"}`)}}},
		{"AProxysNotFoundPage", []faultproxy.Rule{
			{PathSuffix: "/timeline-entries.list", Times: 3, Fault: proxyNotFound},
			{PathSuffix: "/chats.get", Times: 2, Fault: proxyNotFound},
			{PathSuffix: "/sla-trackers.get", Times: 2, Fault: proxyNotFound},
		}},
		{"DuplicateIDsInAPage", []faultproxy.Rule{
			{PathSuffix: "/conversations.list", Fault: faultproxy.DuplicateFirst("conversations")},
			{PathSuffix: "/timeline-entries.list", Fault: faultproxy.DuplicateFirst("timeline_entries")},
		}},
	}
	for _, tc := range passing {
		t.Run(tc.name+"LosesNothing", func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{conversations: 30, faults: tc.rules, pageSize: 10})
			out := b.runPass(t, jobs.PassBackfill)
			require.True(t, out.OK(), "failures: %v", out.Failures)
			require.Positive(t, b.proxy.Applied(0), "the fault must actually happen")
			b.requireExact(t)
		})
	}

	t.Run("SlowResponsesTimeOutAndRetry", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{
			conversations: 20,
			faults:        []faultproxy.Rule{{PathSuffix: "/conversations.list", Times: 2, Fault: faultproxy.Slow(5 * time.Second)}},
			http:          fetcher.Config{Timeout: 300 * time.Millisecond},
		})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
	})

	failing := []struct {
		name  string
		rules []faultproxy.Rule
		http  fetcher.Config
		want  string
	}{
		{"CursorThatNeverAdvances", []faultproxy.Rule{{PathSuffix: "/conversations.list", Fault: faultproxy.FreezeCursor()}}, fetcher.Config{}, "does not advance"},
		{"BodyFarLargerThanExpected", []faultproxy.Rule{{PathSuffix: "/conversations.list", Fault: faultproxy.Huge(64 << 10)}}, fetcher.Config{MaxBodyBytes: 32 << 10}, "body_too_large"},
		{"Forbidden", []faultproxy.Rule{{PathSuffix: "/conversations.list", Fault: faultproxy.Status(http.StatusForbidden, `{"type":"forbidden","message":"no access"}`)}}, fetcher.Config{}, "credentials refused"},
		{"BadRequest", []faultproxy.Rule{{PathSuffix: "/conversations.list", Fault: faultproxy.Status(http.StatusBadRequest, `{"type":"bad_request","message":"limit too large"}`)}}, fetcher.Config{}, "bad_request: limit too large"},
	}
	for _, tc := range failing {
		t.Run(tc.name+"FailsClearly", func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{conversations: 10, faults: tc.rules, http: tc.http, pageSize: 5})
			out := b.runPass(t, jobs.PassBackfill)
			require.False(t, out.OK())
			require.Contains(t, strings.Join(out.Failures, "\n"), tc.want)
			// Failing for good does not wait out the retry schedule: the
			// job ran once.
			require.Equal(t, 1, dbtest.Value[int](t, b.pool, "SELECT max(attempt) FROM river_job WHERE kind = 'sync_conversations'"))
			runs, err := b.q.LatestRuns(t.Context())
			require.NoError(t, err)
			require.Equal(t, "failed", runs[0].Status)
			require.Contains(t, *runs[0].Error, tc.want)
			// The pass is dropped: the next one starts afresh instead of
			// resuming the same failure forever.
			state, err := b.q.GetSyncState(t.Context(), dbq.GetSyncStateParams{Source: testSource, Stream: jobs.StreamConversations})
			require.NoError(t, err)
			require.Nil(t, state.RunID)
		})
	}

	t.Run("OneRefusedChildLosesNoOther", func(t *testing.T) {
		t.Parallel()
		refused := faultproxy.Status(http.StatusBadRequest, `{"type":"bad_request","message":"cannot read this one"}`)
		b := setup(t, setupOpts{conversations: 30, faults: []faultproxy.Rule{
			{PathSuffix: "/chats.get", Times: 1, Fault: refused},
			{PathSuffix: "/sla-trackers.get", Times: 1, Fault: refused},
		}})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, 1, b.proxy.Applied(0))
		require.Equal(t, 1, b.proxy.Applied(1))
		snap := b.ws.Snapshot()
		require.Equal(t, len(snap.Chats)-1, b.count(t, "chats"), "every other chat of the batch lands")
		quarantined := dbtest.Column[string](t, b.pool, "SELECT stream FROM quarantine WHERE resolved_at IS NULL ORDER BY stream")
		require.Equal(t, []string{"chats", "sla_trackers"}, quarantined, "the refused ones wait in quarantine, with their error")
	})

	t.Run("ARefusalOfOneChildIsItsAlone", func(t *testing.T) {
		t.Parallel()
		// A 403 for one chat while its batch's others are read: the token
		// works, the chat is not its to read. The pass goes on.
		forbidden := faultproxy.Status(http.StatusForbidden, `{"type":"forbidden","message":"not a member of this chat"}`)
		b := setup(t, setupOpts{conversations: 30, faults: []faultproxy.Rule{{PathSuffix: "/chats.get", Times: 1, Fault: forbidden}}})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, 1, b.proxy.Applied(0))
		require.Equal(t, len(b.ws.Snapshot().Chats)-1, b.count(t, "chats"), "every other chat of the batch lands")
		require.Equal(t, []string{"chats"}, dbtest.Column[string](t, b.pool, "SELECT stream FROM quarantine WHERE resolved_at IS NULL"))
	})

	t.Run("AChatRefusedForGoodStopsNoPass", func(t *testing.T) {
		t.Parallel()
		// DevRev's 403 refuses the object, not the token (that is a 401): a
		// chat the token's user is not in, asked for alone (its retry from
		// the quarantine at the end of every pass), is that chat's refusal,
		// not a reason to stop the source.
		b := setup(t, setupOpts{conversations: 30})
		refused := b.ws.Snapshot().Chats[0].ID
		b.proxy.SetRules(faultproxy.Rule{PathSuffix: "/chats.get", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if r.URL.Query().Get("id") == refused {
				http.Error(w, `{"type":"forbidden","message":"not a member of this chat"}`, http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		}})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		out = b.runPass(t, jobs.PassIncremental)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, []string{"chats"}, dbtest.Column[string](t, b.pool, "SELECT stream FROM quarantine WHERE resolved_at IS NULL"))
	})

	t.Run("AListingJobOfAnEndedPassHandsItsPlaceOver", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		b := setup(t, setupOpts{conversations: 10})
		b.run(t, jobs.PassBackfill)
		queue := dbtest.Value[string](t, b.pool, "SELECT queue FROM river_job WHERE kind = 'sync_conversations' LIMIT 1")
		// The listing job of a pass dropped since, snoozed: it holds the
		// source's one listing slot when the next pass starts.
		stale, err := b.client.Insert(ctx, jobs.ConversationsArgs{Source: testSource, RunID: 1 << 40}, &river.InsertOpts{
			Queue: queue, ScheduledAt: time.Now().Add(time.Hour), Metadata: []byte(`{"source":"` + testSource + `"}`),
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			}},
		})
		require.NoError(t, err)
		started := time.Now()
		pass, err := jobs.StartPass(ctx, b.deps, b.client, testSource, jobs.PassOptions{Kind: jobs.PassIncremental})
		require.NoError(t, err)
		require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM river_job WHERE kind = 'sync_conversations' AND (args->>'run_id')::bigint = $1", pass.RunID),
			"the new pass found the slot taken")
		dbtest.Exec(t, b.pool, "UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1", stale.Job.ID)
		out, err := jobs.WaitSource(ctx, b.client, testSource, started, 20*time.Millisecond, nil)
		require.NoError(t, err)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, "succeeded", dbtest.Value[string](t, b.pool, "SELECT status FROM sync_runs WHERE id = $1", pass.RunID), "the new pass was carried to its end")
	})

	t.Run("AListingJobEndingWhileAPassStartsHandsItsPlaceOver", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		b := setup(t, setupOpts{conversations: 10})
		b.run(t, jobs.PassBackfill)
		queue := dbtest.Value[string](t, b.pool, "SELECT queue FROM river_job WHERE kind = 'sync_conversations' LIMIT 1")
		stale, err := b.client.Insert(ctx, jobs.ConversationsArgs{Source: testSource, RunID: 1 << 40}, &river.InsertOpts{
			Queue: queue, ScheduledAt: time.Now().Add(time.Hour), Metadata: []byte(`{"source":"` + testSource + `"}`),
		})
		require.NoError(t, err)
		// A pass starts as StartPass does, under the state row's lock, and
		// finds the listing slot taken; the old job ends meanwhile.
		started := time.Now()
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		q := dbq.New(tx)
		_, err = q.GetSyncStateForUpdate(ctx, dbq.GetSyncStateForUpdateParams{Source: testSource, Stream: jobs.StreamConversations})
		require.NoError(t, err)
		runID, err := q.CreateRun(ctx, dbq.CreateRunParams{Source: testSource, Stream: jobs.StreamConversations, Kind: string(jobs.PassIncremental)})
		require.NoError(t, err)
		kind := string(jobs.PassIncremental)
		require.NoError(t, q.BeginPass(ctx, dbq.BeginPassParams{Source: testSource, Stream: jobs.StreamConversations, RunID: &runID, PassKind: &kind}))
		dbtest.Exec(t, b.pool, "UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1", stale.Job.ID)
		waitForLockWait(ctx, t, b.pool, "GetSyncStateForUpdate", "the old job to wait for the pass being started")
		require.NoError(t, tx.Commit(ctx))
		out, err := jobs.WaitSource(ctx, b.client, testSource, started, 20*time.Millisecond, nil)
		require.NoError(t, err)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, "succeeded", dbtest.Value[string](t, b.pool, "SELECT status FROM sync_runs WHERE id = $1", runID))
	})

	t.Run("AReadThatKeepsFailingHoldsBackNoOther", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 20})
		snap := b.ws.Snapshot()
		bad := snap.Conversations[3]
		b.proxy.SetRules(faultproxy.Rule{PathSuffix: "/timeline-entries.list", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if r.URL.Query().Get("object") == bad.ID {
				http.Error(w, `{"type":"internal_error","message":"an internal error occurred"}`, http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		}})
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		started := time.Now()
		_, err := jobs.StartPass(ctx, b.deps, b.client, testSource, jobs.PassOptions{Kind: jobs.PassBackfill})
		require.NoError(t, err)
		others := 0
		for _, c := range snap.Conversations {
			if c.ID != bad.ID {
				others += len(c.Comments)
			}
		}
		waitFor(ctx, t, "the other conversations' messages, while one read keeps failing", func() bool { return b.count(t, "messages") == others })

		b.proxy.SetRules()
		out, err := jobs.WaitSource(ctx, b.client, testSource, started, 20*time.Millisecond, nil)
		require.NoError(t, err)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
	})

	t.Run("RefusedTimelineStillGivesTheListedHistory", func(t *testing.T) {
		t.Parallel()
		// The listing leaves the history of the conversations it inserts
		// to the jobs that read their timelines: one whose timeline is
		// refused for good still gets the version the listing read.
		refused := faultproxy.Status(http.StatusBadRequest, `{"type":"bad_request","message":"cannot read this one"}`)
		b := setup(t, setupOpts{conversations: 30, faults: []faultproxy.Rule{{PathSuffix: "/timeline-entries.list", Times: 1, Fault: refused}}})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Equal(t, 1, b.proxy.Applied(0))
		id := dbtest.Value[string](t, b.pool, "SELECT parent_id FROM quarantine WHERE stream = 'messages' AND resolved_at IS NULL")
		require.Equal(t, []string{"modified"}, dbtest.Column[string](t, b.pool,
			"SELECT observed_via FROM conversation_history WHERE conversation_id = $1", id), "the listed state, dated by its modification time")
		require.Equal(t, b.count(t, "conversations"), dbtest.Value[int](t, b.pool,
			"SELECT count(DISTINCT conversation_id) FROM conversation_history"), "every conversation has a history")
	})

	t.Run("TimelinesGivenUpStillGiveTheListedHistory", func(t *testing.T) {
		t.Parallel()
		// The token is refused once the conversations are listed: River
		// cancels every messages job, and what the listing handed them is
		// written anyway.
		refused := faultproxy.Status(http.StatusUnauthorized, `{"type":"unauthenticated","message":"token expired"}`)
		b := setup(t, setupOpts{conversations: 30, faults: []faultproxy.Rule{{PathSuffix: "/timeline-entries.list", Fault: refused}}})
		out := b.runPass(t, jobs.PassBackfill)
		require.False(t, out.OK(), "the refused token fails the run")
		require.Positive(t, b.proxy.Applied(0))
		require.Equal(t, b.count(t, "conversations"), dbtest.Value[int](t, b.pool,
			"SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE observed_via = 'modified'"), "every conversation has the version its listing read")
	})

	t.Run("NotFoundChildrenMarkTheirRecordsDeleted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 30})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		snap := b.ws.Snapshot()
		gone := snap.Conversations[2]
		// The conversation changes, then vanishes before its timeline is read.
		b.ws.EditConversation(gone.ID, "about to vanish")
		b.proxy.SetRules(faultproxy.Rule{
			PathSuffix: "/timeline-entries.list",
			Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				if r.URL.Query().Get("object") == gone.ID {
					b.ws.DeleteConversation(gone.ID)
				}
				next.ServeHTTP(w, r)
			},
		})
		require.True(t, b.runPass(t, jobs.PassIncremental).OK())
		b.requireExact(t)
		deletedMessages := dbtest.Value[int](t, b.pool, "SELECT count(*) FROM messages WHERE conversation_id = $1 AND deleted_at IS NOT NULL", gone.ID)
		require.Equal(t, len(gone.Comments), deletedMessages, "the messages of a deleted conversation are marked too")
	})

	t.Run("BadRecordIsQuarantinedThenRetried", func(t *testing.T) {
		t.Parallel()
		var victim string
		b := setup(t, setupOpts{conversations: 12, pageSize: 100, faults: []faultproxy.Rule{
			{PathSuffix: "/conversations.list", Fault: faultproxy.RewriteJSON(func(_ *http.Request, body map[string]any) {
				first := body["conversations"].([]any)[0].(map[string]any)
				victim = first["id"].(string)
				first["modified_date"] = "the day after tomorrow"
			})},
			// The get that retries it at the end of the pass is broken too.
			{PathSuffix: "/conversations.get", Fault: faultproxy.RewriteJSON(func(_ *http.Request, body map[string]any) {
				body["conversation"].(map[string]any)["modified_date"] = "the day after tomorrow"
			})},
		}})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		require.Equal(t, 1, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL AND stream = 'conversations'"))
		require.Equal(t, len(b.ws.Snapshot().Conversations)-1, b.count(t, "conversations"), "the rest of the page lands")
		require.Positive(t, b.proxy.Applied(1), "the quarantined record is retried at the end of the pass")
		var raw, msg string
		require.NoError(t, b.pool.QueryRow(t.Context(),
			"SELECT raw, error FROM quarantine WHERE record_id = $1", victim).Scan(&raw, &msg))
		require.Contains(t, raw, "the day after tomorrow", "the raw body is kept")
		require.Contains(t, msg, "timestamp")

		// The vendor fixes the record: the next pass fetches it again.
		b.proxy.SetRules()
		require.True(t, b.runPass(t, jobs.PassIncremental).OK())
		b.requireExact(t)
		require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL"))
	})
}

func TestSweep(t *testing.T) {
	t.Parallel()

	t.Run("MarksDeletedConversationsAndTheirMessages", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 40, pageSize: 10})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		snap := b.ws.Snapshot()
		for _, c := range snap.Conversations[:3] {
			b.ws.DeleteConversation(c.ID)
		}
		// An incremental pass cannot see deletes; a sweep does.
		require.True(t, b.runPass(t, jobs.PassSweep).OK())
		b.requireExact(t)
		require.Equal(t, 3, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM conversations WHERE deleted_at IS NOT NULL"))
		deletedMessages := dbtest.Value[int](t, b.pool, "SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL")
		want := 0
		for _, c := range snap.Conversations[:3] {
			want += len(c.Comments)
		}
		require.Equal(t, want, deletedMessages)
		require.Equal(t, 3, b.server.Stats().Requests["conversations.get"], "each suspect is verified with a get")
	})

	t.Run("AConversationMissedByTheListingIsNotDeleted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 20})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		victim := b.ws.Snapshot().Conversations[5].ID
		// The listing drops a conversation that still exists, as a listing
		// whose order shifts mid-sweep could.
		b.proxy.SetRules(listingWithout(victim))
		require.True(t, b.runPass(t, jobs.PassSweep).OK())
		b.requireExact(t)
	})

	t.Run("ADeleteWaitsForAReadEndingAtOnce", func(t *testing.T) {
		t.Parallel()
		// The delete of a conversation found gone and the end of a read of
		// its messages put themselves in order (LockReadEnds): otherwise
		// the read's record could survive the delete, and the conversation,
		// found live again, would never have its messages read.
		b := setup(t, setupOpts{conversations: 10})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		gone := b.ws.Snapshot().Conversations[4].ID
		b.ws.DeleteConversation(gone)

		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		readEnd, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = readEnd.Rollback(ctx) }()
		require.NoError(t, dbq.New(readEnd).LockReadEnds(ctx, dbq.LockReadEndsParams{Source: testSource, Ids: []string{gone}}))
		started := time.Now()
		_, err = jobs.StartPass(ctx, b.deps, b.client, testSource, jobs.PassOptions{Kind: jobs.PassSweep})
		require.NoError(t, err)
		waitForLockWait(ctx, t, b.pool, "LockReadEnds", "the delete to wait for the read's end")
		require.NoError(t, readEnd.Rollback(ctx))
		out, err := jobs.WaitSource(ctx, b.client, testSource, started, 20*time.Millisecond, nil)
		require.NoError(t, err)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
	})

	t.Run("AProxysNotFoundPageDeletesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{conversations: 20})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		// The listing drops a conversation that still exists, and the get
		// that verifies it first meets a load balancer's 404 page, which
		// says nothing of the conversation.
		victim := b.ws.Snapshot().Conversations[5].ID
		b.proxy.SetRules(
			faultproxy.Rule{PathSuffix: "/conversations.get", Times: 1, Fault: proxyNotFound},
			listingWithout(victim),
		)
		require.True(t, b.runPass(t, jobs.PassSweep).OK())
		require.Equal(t, 1, b.proxy.Applied(0), "the verifying get met the proxy's page")
		b.requireExact(t)
	})
}

// listingWithout is a rule that drops conversation id from the listing's
// answers, as a listing whose order shifts mid-sweep could.
func listingWithout(id string) faultproxy.Rule {
	return faultproxy.Rule{PathSuffix: "/conversations.list", Fault: faultproxy.RewriteJSON(func(_ *http.Request, body map[string]any) {
		items, _ := body["conversations"].([]any)
		body["conversations"] = slices.DeleteFunc(items, func(it any) bool {
			m, ok := it.(map[string]any)
			return ok && m["id"] == id
		})
	})}
}

// proxyNotFound is a load balancer's 404 page (a route missing for a moment
// during a deploy), not the API's answer that a record is gone.
var proxyNotFound = faultproxy.Status(http.StatusNotFound, "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>")

func TestRefusedSourceLeavesOthersRunning(t *testing.T) {
	t.Parallel()
	good := setup(t, setupOpts{conversations: 20})
	bad := setup(t, setupOpts{conversations: 5, clientToken: "wrong-" + testToken})
	// One process, one database, two sources: the bad one's client joins the
	// good one's workers.
	deps := newDeps(t, good.pool, map[string]fetcher.Source{
		testSource: good.deps.Sources[testSource],
		"broken":   bad.deps.Sources[testSource],
	})
	client := startWorkers(t, deps)

	ctx := t.Context()
	started := time.Now()
	_, err := jobs.StartPass(ctx, deps, client, "broken", jobs.PassOptions{Kind: jobs.PassBackfill})
	require.NoError(t, err)
	_, err = jobs.StartPass(ctx, deps, client, testSource, jobs.PassOptions{Kind: jobs.PassBackfill})
	require.NoError(t, err)
	goodOut, err := jobs.WaitSource(ctx, client, testSource, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	badOut, err := jobs.WaitSource(ctx, client, "broken", started, 20*time.Millisecond, nil)
	require.NoError(t, err)

	require.True(t, goodOut.OK(), "failures: %v", goodOut.Failures)
	good.requireExact(t)
	require.False(t, badOut.OK())
	require.Contains(t, strings.Join(badOut.Failures, "\n"), "credentials refused")
}

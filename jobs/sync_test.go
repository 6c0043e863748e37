package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/devrev"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/jobs"
)

const (
	testSource = "devrev"
	testToken  = "test-token-s3cr3t"
)

// mirror is a test's database that the real jobs sync one fake API into;
// each vendor's bundle embeds it.
type mirror struct {
	pool   *pgxpool.Pool
	q      *dbq.Queries
	deps   *jobs.Deps
	client *river.Client[pgx.Tx]
	source string
	// want is what the mirror must hold: the fake API's workspace as it
	// is now.
	want func() mirrorcheck.Want
}

// newMirror returns a mirror on a fresh database; start gives it its source.
func newMirror(t *testing.T) mirror {
	t.Helper()
	pool, q := dbtest.NewQueries(t)
	return mirror{pool: pool, q: q}
}

// start starts the workers that sync src into the mirror as source.
func (m *mirror) start(t *testing.T, source string, src fetcher.Source, want func() mirrorcheck.Want, opts ...jobs.DepsOption) {
	t.Helper()
	m.source, m.want = source, want
	m.deps = newDeps(t, m.pool, map[string]fetcher.Source{source: src}, opts...)
	m.client = startWorkers(t, m.deps)
}

type testBundle struct {
	mirror
	ws     *devrevtest.Workspace
	server *devrevtest.Server
	proxy  *faultproxy.Proxy
	// users is what the process remembers of the users it wrote.
	users *jobs.UserCache
}

type setupOpts struct {
	conversations int
	comments      int
	server        devrevtest.Options
	pageSize      int
	clientToken   string
	// faults are applied by a proxy in front of the fake API.
	faults []faultproxy.Rule
	http   fetcher.Config
	// deps are added to the workers' dependencies.
	deps []jobs.DepsOption
}

func setup(t *testing.T, opts setupOpts) *testBundle {
	t.Helper()
	if opts.conversations == 0 {
		opts.conversations = 60
	}
	if opts.comments == 0 {
		opts.comments = 6
	}
	if opts.server.Token == "" {
		opts.server.Token = testToken
	}
	if opts.clientToken == "" {
		opts.clientToken = testToken
	}
	ws := devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: 7, Conversations: opts.conversations, CommentsPerConversation: opts.comments,
		Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	server := devrevtest.NewServer(ws, opts.server)
	t.Cleanup(server.Close)
	proxy := faultproxy.New(server.Handler(), opts.faults...)
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	if opts.http.MaxInlineWait == 0 {
		opts.http.MaxInlineWait = 2 * time.Second
	}
	b := &testBundle{mirror: newMirror(t), ws: ws, server: server, proxy: proxy, users: jobs.NewUserCache()}
	// As syncer wires it: a 429 pauses the source for every process.
	opts.http.RateLimitedFunc = jobs.PauseOnRefusal(b.pool, testSource, zerolog.Nop())
	src, err := devrev.NewClient(devrev.Config{
		BaseURL: front.URL, Token: opts.clientToken, PageSize: opts.pageSize, HTTP: opts.http,
	})
	require.NoError(t, err)
	b.start(t, testSource, src, func() mirrorcheck.Want { return mirrorcheck.DevRev(ws.Snapshot()) },
		append([]jobs.DepsOption{jobs.WithUserCache(b.users)}, opts.deps...)...)
	return b
}

// setupInserter returns the dependencies of a source whose API is never
// called and a client of them that is never started: it only inserts, so
// the jobs a test queues stay queued for it to look at.
func setupInserter(t *testing.T) (*jobs.Deps, *river.Client[pgx.Tx]) {
	t.Helper()
	src, err := devrev.NewClient(devrev.Config{BaseURL: "http://127.0.0.1:1", Token: testToken})
	require.NoError(t, err)
	deps := newDeps(t, dbtest.NewPool(t), map[string]fetcher.Source{testSource: src})
	client, err := jobs.NewClient(deps, jobs.ClientConfig{Workers: 1, Logger: riverLogger(t)})
	require.NoError(t, err)
	return deps, client
}

// testTimings are the timings the configuration gives by default.
func testTimings() jobs.Timings {
	return jobs.Timings{Overlap: 5 * time.Minute, OpenRecheckInterval: 15 * time.Minute, SweepInterval: 30 * time.Minute}
}

// newDeps returns the workers' dependencies for sources on pool.
func newDeps(t *testing.T, pool *pgxpool.Pool, sources map[string]fetcher.Source, opts ...jobs.DepsOption) *jobs.Deps {
	t.Helper()
	return jobs.NewDeps(pool, sources, testLogger(t), testTimings(), opts...)
}

// testLogger writes warnings and worse to the test's log.
func testLogger(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

// startWorkers starts a River client working the sync jobs of deps.
func startWorkers(t *testing.T, deps *jobs.Deps) *river.Client[pgx.Tx] {
	t.Helper()
	return startWorkersNamed(t, deps, "")
}

// startWorkersNamed starts a River client named id ("": River's default).
func startWorkersNamed(t *testing.T, deps *jobs.Deps, id string) *river.Client[pgx.Tx] {
	t.Helper()
	client, err := jobs.NewClient(deps, jobs.ClientConfig{ID: id, Workers: 32, Logger: riverLogger(t)})
	require.NoError(t, err)
	dbtest.StartClient(t, client)
	return client
}

// riverLogger writes River's errors to the test's log.
func riverLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(zerolog.NewTestWriter(t), &slog.HandlerOptions{Level: slog.LevelError}))
}

// runPass runs a pass of the mirror's source to completion.
func (m *mirror) runPass(t *testing.T, kind jobs.PassKind) jobs.Outcome {
	t.Helper()
	return m.runPassOpts(t, jobs.PassOptions{Kind: kind})
}

func (m *mirror) runPassOpts(t *testing.T, opts jobs.PassOptions) jobs.Outcome {
	t.Helper()
	return runPass(t, m.deps, m.client, m.source, opts)
}

// run runs a pass of the mirror's source, which must succeed.
func (m *mirror) run(t *testing.T, kind jobs.PassKind) {
	t.Helper()
	out := m.runPass(t, kind)
	require.True(t, out.OK(), "failures: %v", out.Failures)
}

// runPass runs a pass of source to completion.
func runPass(t *testing.T, deps *jobs.Deps, client *river.Client[pgx.Tx], source string, opts jobs.PassOptions) jobs.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	started := time.Now()
	_, err := jobs.StartPass(ctx, deps, client, source, opts)
	require.NoError(t, err)
	out, err := jobs.WaitSource(ctx, client, source, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	deps.FlushProgress(ctx)
	return out
}

func (m *mirror) requireExact(t *testing.T) {
	t.Helper()
	require.Empty(t, m.diffs(t), "mirror differs from the source")
}

// diffs returns how the mirror differs from the workspace.
func (m *mirror) diffs(t *testing.T) []string {
	t.Helper()
	diffs, err := mirrorcheck.Compare(t.Context(), m.q, m.source, m.want())
	require.NoError(t, err)
	return diffs
}

func (m *mirror) count(t *testing.T, table string) int {
	t.Helper()
	// Table names come from the test itself, never from input.
	return dbtest.Value[int](t, m.pool, "SELECT count(*) FROM "+table)
}

// hammer sends requests with token for a second (or until stopped),
// spending its rate limit as a burst from another consumer would.
func hammer(t *testing.T, url, token string) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/chats.get?id=CHAN-none", nil)
			if err != nil {
				return
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func TestBackfill(t *testing.T) {
	t.Parallel()

	t.Run("MirrorsWorkspaceExactly", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{server: devrevtest.Options{EmptyPageRate: 0.3, Seed: 3}, pageSize: 7})
		out := b.runPass(t, jobs.PassBackfill)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)

		snap := b.ws.Snapshot()
		comments := 0
		for _, c := range snap.Conversations {
			comments += len(c.Comments)
		}
		require.Equal(t, len(snap.Conversations), b.count(t, "conversations"))
		require.Equal(t, comments, b.count(t, "messages"))
		require.NotEmpty(t, snap.Chats)
	})

	t.Run("SurvivesServerErrorsAndRateLimits", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{server: devrevtest.Options{
			EmptyPageRate: 0.2, Seed: 11, Faults: fakeapi.Faults{FailureRate: 0.15, RateLimit: 40, RateWindow: 500 * time.Millisecond},
		}, faults: []faultproxy.Rule{
			// This pass itself meets 429s, whatever the pacing achieves.
			{PathSuffix: "/timeline-entries.list", Times: 3, Fault: faultproxy.RateLimited(1)},
		}})
		// Another consumer of the same token eats the budget that the pacer
		// plans with, as other tools and processes do in production.
		stopHammer := hammer(t, b.server.URL(), testToken)
		out := b.runPass(t, jobs.PassBackfill)
		stopHammer()
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
		stats := b.server.Stats()
		require.Positive(t, stats.RateLimited, "the test must actually meet 429s")
		require.Positive(t, stats.Failures, "the test must actually meet 5xx")

		run, err := b.q.LatestRuns(t.Context())
		require.NoError(t, err)
		require.Len(t, run, 1)
		require.Equal(t, "succeeded", run[0].Status)
		require.Positive(t, run[0].RateLimited)
	})

	t.Run("HoldingFewItemsAtOnce", func(t *testing.T) {
		t.Parallel()
		// 32 workers, and the batch jobs may hold 3 items between them: a
		// messages job of more (a listing page's conversations) runs alone,
		// the others wait their turn, and the pass ends exact.
		b := setup(t, setupOpts{pageSize: 20, server: devrevtest.Options{Seed: 5}, deps: []jobs.DepsOption{jobs.WithItemsHeld(3, time.Minute)}})
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)
		b.ws.AddComment(b.ws.Snapshot().Conversations[0].ID, "after the backfill", "external")
		b.runPassOpts(t, jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: time.Nanosecond})
		b.requireExact(t)
	})

	t.Run("WaitingTooLongForItemsCostsNoAttempt", func(t *testing.T) {
		t.Parallel()
		// The first timeline read hangs until the test lets it go, holding
		// the one item the batch jobs may hold; the others give up waiting
		// at once and go back to the queue, again and again, without
		// spending an attempt, until it is let go.
		gate := make(chan struct{})
		hang := func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			<-gate
			next.ServeHTTP(w, r)
		}
		b := setup(t, setupOpts{pageSize: 20,
			faults: []faultproxy.Rule{{PathSuffix: "/timeline-entries.list", Times: 1, Fault: hang}},
			deps:   []jobs.DepsOption{jobs.WithItemsHeld(1, time.Millisecond)}})
		letGo := sync.OnceFunc(func() { close(gate) })
		t.Cleanup(letGo) // before the workers stop, should the test fail first
		started := time.Now()
		_, err := jobs.StartPass(t.Context(), b.deps, b.client, testSource, jobs.PassOptions{Kind: jobs.PassBackfill})
		require.NoError(t, err)
		const requeued = `SELECT count(*) FROM river_job WHERE (metadata->>'snoozes')::int > 3`
		require.Eventually(t, func() bool {
			var n int
			return b.pool.QueryRow(t.Context(), requeued).Scan(&n) == nil && n > 0
		}, time.Minute, 10*time.Millisecond)
		letGo()
		out, err := jobs.WaitSource(t.Context(), b.client, testSource, started, 20*time.Millisecond, nil)
		require.NoError(t, err)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		b.requireExact(t)
		require.Zero(t, dbtest.Value[int](t, b.pool, `SELECT count(*) FROM river_job WHERE cardinality(errors) > 0`))
	})

	t.Run("RunningTwiceDuplicatesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		convs, msgs, users := b.count(t, "conversations"), b.count(t, "messages"), b.count(t, "users")
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		require.Equal(t, convs, b.count(t, "conversations"))
		require.Equal(t, msgs, b.count(t, "messages"))
		require.Equal(t, users, b.count(t, "users"))
		b.requireExact(t)
	})

	t.Run("UsersForgottenAfterALostCommitAreWrittenAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		users := b.count(t, "users")
		require.Positive(t, users)
		// A crash loses the last commits (on a server whose
		// synchronous_commit is off), here
		// the users; reconnecting makes the process forget what it wrote.
		dbtest.Exec(t, b.pool, "DELETE FROM users")
		b.users.Forget()
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		require.Equal(t, users, b.count(t, "users"))
		b.requireExact(t)
	})

	t.Run("RefusedTokenFailsTheRunClearly", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{clientToken: "wrong-" + testToken})
		out := b.runPass(t, jobs.PassBackfill)
		require.False(t, out.OK())
		require.Len(t, out.Failures, 1)
		require.Contains(t, out.Failures[0], "credentials refused")
		require.NotContains(t, out.Failures[0], testToken)

		state, err := b.q.GetSyncState(t.Context(), dbq.GetSyncStateParams{Source: testSource, Stream: jobs.StreamConversations})
		require.NoError(t, err)
		require.Nil(t, state.RunID, "the pass is abandoned")
		require.NotNil(t, state.LastError)
	})
}

func TestIncremental(t *testing.T) {
	t.Parallel()

	t.Run("BringsMirrorUpToDateAfterChanges", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{server: devrevtest.Options{EmptyPageRate: 0.2, Seed: 5}, pageSize: 10})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		b.requireExact(t)

		snap := b.ws.Snapshot()
		first, second := snap.Conversations[0], snap.Conversations[1]
		b.ws.EditConversation(first.ID, "Edited title ✓")
		b.ws.AddComment(second.ID, "a new reply", "external")
		b.ws.AddComment(second.ID, "an internal note", "internal")
		b.ws.SetStage(first.ID, "resolved")
		if len(first.Comments) > 0 {
			b.ws.EditComment(first.Comments[0].ID, "edited body")
		}
		if len(second.Comments) > 0 {
			b.ws.DeleteComment(second.Comments[0].ID)
		}
		newID := b.ws.AddConversation("A brand new conversation")
		var reply string
		for _, c := range snap.Conversations[2:] {
			if len(c.Comments) > 0 && c.Comments[0].ReplyTo == "" {
				reply = b.ws.AddReply(c.Comments[0].ID, "a reply in the thread")
				break
			}
		}
		require.NotEmpty(t, reply)

		b.server.ResetStats()
		require.True(t, b.runPass(t, jobs.PassIncremental).OK())
		b.requireExact(t)

		require.Equal(t, "A brand new conversation", dbtest.Value[string](t, b.pool, "SELECT title FROM conversations WHERE id = $1", newID))
		require.Equal(t, "a reply in the thread", dbtest.Value[string](t, b.pool, "SELECT body FROM messages WHERE id = $1", reply))
		// Only the changed and the open conversations are re-read.
		open := dbtest.Value[int](t, b.pool, "SELECT count(*) FROM conversations WHERE status NOT IN ('resolved', 'closed')")
		stats := b.server.Stats()
		require.Less(t, open, 60/2, "the test needs most conversations closed")
		require.LessOrEqual(t, stats.Requests["timeline-entries.list"], 2*(open+3), "requests: %v", stats.Requests)
	})

	t.Run("EveryStageChangeBetweenPassesIsAVersion", func(t *testing.T) {
		t.Parallel()
		// A change-event vendor: however many times a conversation changes
		// stage between two passes, each change is a version at the
		// event's time (requireExact compares the history with the fake's
		// change events), and a pass run again adds none.
		b := setup(t, setupOpts{server: devrevtest.Options{Seed: 9}, pageSize: 10})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		b.requireExact(t)
		for _, c := range b.ws.Snapshot().Conversations[:5] {
			for _, stage := range []string{"active", "waiting_on_user", "resolved", "active", "resolved"} {
				b.ws.SetStage(c.ID, stage)
			}
		}
		for range 2 {
			require.True(t, b.runPass(t, jobs.PassIncremental).OK())
			b.requireExact(t)
		}
		require.Positive(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM reopens"))
		require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM conversation_history WHERE observed_via <> 'event'"),
			"DevRev's timeline records every change: no version is dated by observation")
	})

	t.Run("NothingChangedCostsOneListRequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		b.server.ResetStats()
		// As the daemon runs it: open conversations were just read by the
		// backfill, so they are not due for a recheck.
		require.True(t, b.runPassOpts(t, jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: time.Hour}).OK())
		stats := b.server.Stats()
		require.Equal(t, 1, stats.Total, "requests: %v", stats.Requests)
		b.requireExact(t)
	})

	t.Run("CatchesCommentsThatDoNotBumpTheirConversation", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())

		b.ws.SetCommentsBumpConversation(false)
		var openID string
		for _, c := range b.ws.Snapshot().Conversations {
			if c.Stage == "new" || c.Stage == "active" || c.Stage == "waiting_on_user" {
				openID = c.ID
				break
			}
		}
		require.NotEmpty(t, openID, "the workspace needs an open conversation")
		b.ws.AddComment(openID, "a reply that leaves modified_date alone", "external")

		// Within the recheck interval, the listing alone does not see it:
		// the trade the interval makes (bounded staleness for a pass that
		// costs one request).
		require.True(t, b.runPassOpts(t, jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: time.Hour}).OK())
		require.NotEmpty(t, b.diffs(t), "the comment waits for the next recheck")

		// A due recheck (`sync --recheck-open`, or the interval passed)
		// re-reads open conversations and finds it.
		require.True(t, b.runPassOpts(t, jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: 0}).OK())
		b.requireExact(t)
	})

	t.Run("AWholeBackfillCountsAsARecheckFromItsStart", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{})
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		var recheckedAt, started time.Time
		require.NoError(t, b.pool.QueryRow(t.Context(), `
			SELECT s.open_rechecked_at, r.started_at FROM sync_state s, sync_runs r
			WHERE s.stream = 'conversations' AND r.stream = 'conversations' AND r.kind = 'backfill'`).Scan(&recheckedAt, &started))
		require.True(t, recheckedAt.Equal(started), "rechecked at %s, pass started at %s", recheckedAt, started)
	})
}

// TestWatermarkStopsAtThePassStart syncs a source whose modification times
// run ahead of the pass (changes made while it ran): the watermark stops at
// the pass's start, so the next pass reads them again instead of skipping
// whatever changed after its page was read.
func TestWatermarkStopsAtThePassStart(t *testing.T) {
	t.Parallel()
	ws := devrevtest.Generate(devrevtest.GenerateConfig{Seed: 3, Conversations: 15, CommentsPerConversation: 2, Start: time.Now().Add(48 * time.Hour)})
	server := devrevtest.NewServer(ws, devrevtest.Options{Token: testToken})
	t.Cleanup(server.Close)
	src, err := devrev.NewClient(devrev.Config{BaseURL: server.URL(), Token: testToken})
	require.NoError(t, err)
	m := newMirror(t)
	m.start(t, testSource, src, func() mirrorcheck.Want { return mirrorcheck.DevRev(ws.Snapshot()) })
	require.True(t, m.runPass(t, jobs.PassBackfill).OK())

	state, err := m.q.GetSyncState(t.Context(), dbq.GetSyncStateParams{Source: testSource, Stream: jobs.StreamConversations})
	require.NoError(t, err)
	runs, err := m.q.LatestRuns(t.Context())
	require.NoError(t, err)
	require.NotNil(t, state.Watermark)
	require.True(t, state.Watermark.Equal(runs[0].StartedAt), "watermark %s, pass start %s", state.Watermark, runs[0].StartedAt)
}

func TestStartPassConcurrently(t *testing.T) {
	t.Parallel()
	// No worker runs: the pass stays in flight (with workers, it could finish
	// before a later caller gets the lock, and that caller would rightly
	// start the next pass).
	deps, inserter := setupInserter(t)
	// Several commands starting the first pass of a source at once: one
	// starts it, the others resume it; none fails.
	passes := make([]jobs.Pass, 6)
	errs := make([]error, len(passes))
	var wg sync.WaitGroup
	for i := range passes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			passes[i], errs[i] = jobs.StartPass(t.Context(), deps, inserter, testSource, jobs.PassOptions{Kind: jobs.PassBackfill})
		}()
	}
	wg.Wait()
	started := 0
	for i, p := range passes {
		require.NoError(t, errs[i])
		require.Equal(t, passes[0].RunID, p.RunID, "one pass for all")
		if !p.Resumed {
			started++
		}
	}
	require.Equal(t, 1, started)
}

// TestResumingAPassAtWorkKeepsItsRunsFailure: the daemon's next tick finds
// its pass still at work, one of whose jobs failed for good: the run stays
// failed, so that the pass cannot end "succeeded". A pass whose page job was
// lost is picked up again, and its run is running again.
func TestResumingAPassAtWorkKeepsItsRunsFailure(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	deps, inserter := setupInserter(t) // no worker runs: the pass stays in flight
	q := dbq.New(deps.Pool)
	start := func() jobs.Pass {
		pass, err := jobs.StartPass(ctx, deps, inserter, testSource, jobs.PassOptions{Kind: jobs.PassIncremental})
		require.NoError(t, err)
		return pass
	}
	status := func(runID int64) string {
		run, err := q.GetRun(ctx, runID)
		require.NoError(t, err)
		return run.Status
	}
	pass := start()
	failure := "sync_messages job 7: gave up after 8 attempts"
	require.NoError(t, q.FailRun(ctx, dbq.FailRunParams{ID: pass.RunID, Error: &failure}))

	again := start()
	require.True(t, again.Resumed)
	require.True(t, again.Thorough && again.RecheckOpen, "what the pass in flight does, as its state says")
	require.Equal(t, "failed", status(pass.RunID), "the pass is still at work: its run keeps the failure")

	dbtest.Exec(t, deps.Pool, "UPDATE river_job SET state = 'cancelled', finalized_at = now() WHERE kind = $1", jobs.ConversationsArgs{}.Kind())
	require.True(t, start().Resumed)
	require.Equal(t, "running", status(pass.RunID), "its page job lost, the pass is picked up again")
}

package jobs

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
)

// TestAPassWithoutJobsIsNotDone: when no job of a source is left, a
// command's pass has ended only if the state no longer holds it and its run
// succeeded; otherwise the command says so instead of "done".
func TestAPassWithoutJobsIsNotDone(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	pool := d.Pool
	q := dbq.New(pool)
	require.NoError(t, q.EnsureSyncState(ctx, dbq.EnsureSyncStateParams{Source: "s", Stream: StreamConversations}))
	kind := string(PassBackfill)
	runID, err := q.CreateRun(ctx, dbq.CreateRunParams{Source: "s", Stream: StreamConversations, Kind: kind})
	require.NoError(t, err)
	require.NoError(t, q.BeginPass(ctx, dbq.BeginPassParams{Source: "s", Stream: StreamConversations, RunID: &runID, PassKind: &kind}))
	pass := Pass{Source: "s", RunID: runID, Kind: PassBackfill}
	started := time.Now().Add(-time.Minute)
	check := func() []string {
		t.Helper()
		failures, err := d.passNotEnded(ctx, pass, started)
		require.NoError(t, err)
		return failures
	}

	require.Len(t, check(), 1, "still in flight, with no job to carry it on")
	require.Contains(t, check()[0], "run the same command again")

	msg := "credentials refused"
	require.NoError(t, q.AbandonPass(ctx, dbq.AbandonPassParams{Source: "s", Stream: StreamConversations, RunID: &runID, LastError: &msg}))
	require.NoError(t, q.FailRun(ctx, dbq.FailRunParams{ID: runID, Error: &msg}))
	require.Equal(t, []string{"the backfill pass (run " + strconv.FormatInt(runID, 10) + ") failed: credentials refused"}, check())
	started = time.Now().Add(time.Minute)
	require.Empty(t, check(), "a failure before the command started was reported by the command that saw it")

	runID, err = q.CreateRun(ctx, dbq.CreateRunParams{Source: "s", Stream: StreamConversations, Kind: kind})
	require.NoError(t, err)
	pass.RunID = runID
	require.NoError(t, q.FinishRun(ctx, dbq.FinishRunParams{ID: runID, Status: "succeeded"}))
	require.Empty(t, check(), "ended and succeeded")
}

// TestABrokenListingIsPermanent: a listing that contradicts its own paging
// fails the same way however often it is tried, so its pass is given up
// (and a sweep waits its interval) instead of being retried for ever.
func TestABrokenListingIsPermanent(t *testing.T) {
	t.Parallel()
	require.True(t, isPermanent(fmt.Errorf("list conversations: %w", chatvolt.ErrUnwalkableListing)))
	require.True(t, isPermanent(fmt.Errorf("page 3: %w", fetcher.ErrBrokenListing)))
	require.False(t, isPermanent(&fetcher.RetryableError{Endpoint: "conversations.list", Status: 502, Err: errors.New("bad gateway")}))
}

// TestAFailedPassInFlightIsNotWaitedForAgain: a command waiting for a pass
// in flight that does less than it asks stops waiting when that pass's run
// failed since the command started and the pass is still in flight,
// instead of picking it up and waiting for the same failure again for
// ever; a pass that lost its job without a failure, that failed before the
// command (and was picked up again), or that ended, is waited for or
// followed as before.
func TestAFailedPassInFlightIsNotWaitedForAgain(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	waited := Pass{Source: "s", RunID: 7, Kind: PassBackfill, Resumed: true}
	holds := func(id int64) dbq.SyncState { return dbq.SyncState{Source: "s", RunID: &id} }
	failedAt := func(at time.Time) dbq.SyncRun {
		msg := "sync_conversations job 9: HTTP 502"
		return dbq.SyncRun{ID: 7, Status: "failed", FinishedAt: &at, Error: &msg}
	}
	failed := failedAt(started.Add(time.Minute))
	require.True(t, stillFailing(waited, holds(7), failed, started))
	require.False(t, stillFailing(waited, holds(7), dbq.SyncRun{ID: 7, Status: "running"}, started), "its job was lost: picked up again, it goes on")
	require.False(t, stillFailing(waited, holds(7), failedAt(started.Add(-time.Minute)), started), "a failure from before the command")
	require.False(t, stillFailing(waited, dbq.SyncState{Source: "s"}, failed, started), "it ended")
	require.False(t, stillFailing(waited, holds(8), failed, started), "another pass is in flight")

	out := (&waitedPassFailed{pass: waited, failures: []string{*failed.Error}}).outcome()
	require.False(t, out.OK())
	require.Contains(t, out.Failures[0], "backfill pass in flight (run 7)")
	require.Contains(t, out.Failures[0], "HTTP 502")
}

// TestAPassCoversWhatIsAsked: a command takes up the pass in flight only if
// it does what the command asks; `sync`'s thorough pass waits for the
// daemon's cheap incremental one to end.
func TestAPassCoversWhatIsAsked(t *testing.T) {
	t.Parallel()
	syncAsks := PassOptions{Kind: PassIncremental, Thorough: true, RecheckOpenAfter: time.Hour}
	recheckAsks := PassOptions{Kind: PassIncremental, Thorough: true}
	daemonAsks := PassOptions{Kind: PassIncremental, RecheckOpenAfter: time.Hour}
	inFlight := func(kind PassKind, thorough, recheck bool) Pass {
		return Pass{Kind: kind, Resumed: true, Thorough: thorough, RecheckOpen: recheck}
	}
	march := func(d int) *time.Time { t := time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC); return &t }
	bounded := func(since *time.Time) Pass { return Pass{Kind: PassBackfill, Resumed: true, Since: since} }
	for _, tc := range []struct {
		pass   Pass
		asks   PassOptions
		covers bool
	}{
		{Pass{Kind: PassIncremental}, syncAsks, true}, // started by this call
		{inFlight(PassIncremental, false, false), daemonAsks, true},
		{inFlight(PassIncremental, false, false), syncAsks, false},
		{inFlight(PassIncremental, true, false), syncAsks, true},
		{inFlight(PassIncremental, true, false), recheckAsks, false},
		{inFlight(PassIncremental, true, true), recheckAsks, true},
		{inFlight(PassSweep, false, false), syncAsks, true},
		{inFlight(PassSweep, false, false), recheckAsks, false},
		{inFlight(PassBackfill, false, false), recheckAsks, true},
		{inFlight(PassIncremental, true, true), PassOptions{Kind: PassBackfill}, false},
		{inFlight(PassSweep, false, false), PassOptions{Kind: PassSweep}, true},
		// A backfill bounded by --since covers a backfill from then or
		// later only, and no incremental pass.
		{bounded(march(2)), PassOptions{Kind: PassBackfill}, false},
		{bounded(march(2)), PassOptions{Kind: PassBackfill, Since: *march(1)}, false},
		{bounded(march(2)), PassOptions{Kind: PassBackfill, Since: *march(2)}, true},
		{bounded(march(2)), PassOptions{Kind: PassBackfill, Since: *march(3)}, true},
		{inFlight(PassBackfill, false, false), PassOptions{Kind: PassBackfill, Since: *march(3)}, true},
		{bounded(march(2)), daemonAsks, false},
	} {
		require.Equal(t, tc.covers, tc.pass.covers(tc.asks), "%+v asked %+v", tc.pass, tc.asks)
	}
}

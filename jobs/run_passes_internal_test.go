package jobs

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestAPassWithoutJobsIsNotDone: when no job of a source is left, a
// command's pass has ended only if the state no longer holds it and its run
// succeeded; otherwise the command says so instead of "done".
func TestAPassWithoutJobsIsNotDone(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := dbtest.NewPool(t)
	d := NewDeps(pool, nil, zerolog.Nop(), Timings{})
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

package db_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestAdvancePassIsCompareAndSwap: two workers that read the same page (one
// was taken for dead while merely slow) cannot both move the pass.
func TestAdvancePassIsCompareAndSwap(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, q := dbtest.NewQueries(t)
	runID, err := q.CreateRun(ctx, dbq.CreateRunParams{Source: "s", Stream: "conversations", Kind: "backfill"})
	require.NoError(t, err)
	kind := "backfill"
	require.NoError(t, q.EnsureSyncState(ctx, dbq.EnsureSyncStateParams{Source: "s", Stream: "conversations"}))
	require.NoError(t, q.BeginPass(ctx, dbq.BeginPassParams{Source: "s", Stream: "conversations", RunID: &runID, PassKind: &kind}))

	advance := func(readAt *string, next string) int64 {
		n, err := q.AdvancePass(ctx, dbq.AdvancePassParams{Source: "s", Stream: "conversations", RunID: &runID, ReadAt: readAt, Cursor: &next})
		require.NoError(t, err)
		return n
	}
	require.EqualValues(t, 1, advance(nil, "page-2"), "the first page was read at no cursor")
	require.EqualValues(t, 0, advance(nil, "page-2"), "a second worker that read the same page")
	p2 := "page-2"
	require.EqualValues(t, 1, advance(&p2, "page-3"))

	finished, err := q.FinishPass(ctx, dbq.FinishPassParams{Source: "s", Stream: "conversations", RunID: &runID, ReadAt: &p2})
	require.NoError(t, err)
	require.Zero(t, finished, "a stale worker cannot finish the pass either")
	p3 := "page-3"
	finished, err = q.FinishPass(ctx, dbq.FinishPassParams{Source: "s", Stream: "conversations", RunID: &runID, ReadAt: &p3})
	require.NoError(t, err)
	require.EqualValues(t, 1, finished)
}

// TestAbandonedSweepWaitsItsInterval: a sweep given up (a broken listing,
// say) counts as one for the schedule, so that incremental passes run
// before the next try; an incremental given up leaves the sweep as it was.
func TestAbandonedSweepWaitsItsInterval(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, q := dbtest.NewQueries(t)
	require.NoError(t, q.EnsureSyncState(ctx, dbq.EnsureSyncStateParams{Source: "s", Stream: "conversations"}))
	abandon := func(kind string) *time.Time {
		t.Helper()
		runID, err := q.CreateRun(ctx, dbq.CreateRunParams{Source: "s", Stream: "conversations", Kind: kind})
		require.NoError(t, err)
		require.NoError(t, q.BeginPass(ctx, dbq.BeginPassParams{Source: "s", Stream: "conversations", RunID: &runID, PassKind: &kind}))
		msg := "the listing cannot be walked to its end"
		require.NoError(t, q.AbandonPass(ctx, dbq.AbandonPassParams{Source: "s", Stream: "conversations", RunID: &runID, LastError: &msg}))
		state, err := q.GetSyncState(ctx, dbq.GetSyncStateParams{Source: "s", Stream: "conversations"})
		require.NoError(t, err)
		require.Nil(t, state.RunID, "no pass in flight")
		return state.SweptAt
	}
	require.Nil(t, abandon("incremental"))
	swept := abandon("sweep")
	require.NotNil(t, swept)
	require.Equal(t, swept, abandon("incremental"))
}

// TestAPassThatSawNothingKeepsTheWatermark: the watermark is the highest
// modification time the vendor showed, capped by the pass's start; a pass
// that saw nothing leaves it where it was, never at the database's clock.
// A backfill bounded to a time after the watermark leaves it too: the
// changes between the two were never listed, and the next pass must.
func TestAPassThatSawNothingKeepsTheWatermark(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, q := dbtest.NewQueries(t)
	require.NoError(t, q.EnsureSyncState(ctx, dbq.EnsureSyncStateParams{Source: "s", Stream: "conversations"}))
	pass := func(kind string, since, pageMax *time.Time) *time.Time {
		t.Helper()
		runID, err := q.CreateRun(ctx, dbq.CreateRunParams{Source: "s", Stream: "conversations", Kind: kind})
		require.NoError(t, err)
		require.NoError(t, q.BeginPass(ctx, dbq.BeginPassParams{Source: "s", Stream: "conversations", RunID: &runID, PassKind: &kind, PassSince: since}))
		finished, err := q.FinishPass(ctx, dbq.FinishPassParams{Source: "s", Stream: "conversations", RunID: &runID, PageMax: pageMax})
		require.NoError(t, err)
		require.EqualValues(t, 1, finished)
		state, err := q.GetSyncState(ctx, dbq.GetSyncStateParams{Source: "s", Stream: "conversations"})
		require.NoError(t, err)
		return state.Watermark
	}
	day := func(d int) *time.Time { t := time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC); return &t }
	require.Nil(t, pass("incremental", nil, nil), "nothing seen yet")
	require.True(t, day(1).Equal(*pass("backfill", day(1), day(1))), "a first backfill from a date starts the watermark")
	require.True(t, day(1).Equal(*pass("incremental", day(1), nil)), "a pass that saw nothing keeps it")
	require.True(t, day(1).Equal(*pass("backfill", day(3), day(4))), "a backfill from after it leaves it")
	require.True(t, day(4).Equal(*pass("backfill", day(1), day(4))), "one from it moves it")
	require.True(t, day(5).Equal(*pass("incremental", day(4), day(5))))
}

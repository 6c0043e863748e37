package jobs_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/jobs"
)

// TestLivenessSharesLearnedRates: a process that joins a source starts at
// the rate another learned from the vendor's throttles, instead of probing
// for it from a slow start.
func TestLivenessSharesLearnedRates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := dbtest.NewPool(t)
	newSource := func() fetcher.Source {
		src, err := chatvolt.NewClient(chatvolt.Config{BaseURL: "http://127.0.0.1:1", APIKey: "k"})
		require.NoError(t, err)
		return src
	}
	first, second := newSource(), newSource()
	_, ok := first.Pacer().LearnedRate()
	require.False(t, ok, "nothing learned before a throttle")

	// The first process learns a rate from a throttle…
	slot, err := first.Pacer().Wait(ctx, time.Second)
	require.NoError(t, err)
	slot.Answered(http.StatusOK, http.Header{})
	slot, err = first.Pacer().Wait(ctx, time.Second)
	require.NoError(t, err)
	slot.Refused(http.Header{}, 0)
	learned, ok := first.Pacer().LearnedRate()
	require.True(t, ok)

	registerProcess(t, newDeps(t, pool, map[string]fetcher.Source{"volt": first}), "first").Beat(ctx)

	// …and the second starts at it, its share of it with two processes.
	registerProcess(t, newDeps(t, pool, map[string]fetcher.Source{"volt": second}), "second")
	got, ok := second.Pacer().LearnedRate()
	require.True(t, ok)
	require.InDelta(t, learned, got, learned*0.05)
}

// registerProcess registers a process named id that works deps' sources, as
// syncer does at start.
func registerProcess(t *testing.T, deps *jobs.Deps, id string) *jobs.Liveness {
	t.Helper()
	l := jobs.NewLiveness(deps, id)
	require.NoError(t, l.Register(t.Context()))
	return l
}

package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHeldItems: a source's batches hold items while they fit, first come
// first served; one that does not fit waits until items are given back;
// one larger than the cap holds all of it; a wait ends with its context, or
// after its longest wait; another source's batches do not wait for them.
func TestHeldItems(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHeldItems(10, time.Hour)

	releaseA, err := h.hold(ctx, "a", 6)
	require.NoError(t, err)
	releaseB, err := h.hold(ctx, "a", 4)
	require.NoError(t, err)
	require.False(t, h.of("a").TryAcquire(1), "6 and 4 items fill a cap of 10")

	held := make(chan func())
	go func() {
		release, err := h.hold(ctx, "a", 3)
		if err == nil {
			held <- release
		}
	}()
	releaseA()
	releaseC := <-held // the 6 given back make room for the waiting 3
	releaseB()
	releaseC()

	releaseAll, err := h.hold(ctx, "a", 25)
	require.NoError(t, err, "a batch larger than the cap runs alone")
	require.False(t, h.of("a").TryAcquire(1))
	releaseOther, err := h.hold(ctx, "b", 10)
	require.NoError(t, err, "another source holds its own items")
	releaseOther()

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = h.hold(cancelled, "a", 1)
	require.ErrorIs(t, err, context.Canceled)
	impatient := &heldItems{max: h.max, maxWait: time.Millisecond, bySource: h.bySource}
	_, err = impatient.hold(ctx, "a", 1)
	require.ErrorIs(t, err, errWaitedForItems, "a wait that ran out while the job's context lives")
	releaseAll()
	require.True(t, h.of("a").TryAcquire(10), "every item was given back")
}

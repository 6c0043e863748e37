package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHeldItems: batches hold items while they fit, first come first
// served; one that does not fit waits until items are given back; one
// larger than the cap holds all of it; a wait ends with its context, or
// after its longest wait.
func TestHeldItems(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHeldItems(10, time.Hour)

	releaseA, err := h.hold(ctx, 6)
	require.NoError(t, err)
	releaseB, err := h.hold(ctx, 4)
	require.NoError(t, err)
	require.False(t, h.sem.TryAcquire(1), "6 and 4 items fill a cap of 10")

	held := make(chan func())
	go func() {
		release, err := h.hold(ctx, 3)
		if err == nil {
			held <- release
		}
	}()
	releaseA()
	releaseC := <-held // the 6 given back make room for the waiting 3
	releaseB()
	releaseC()

	releaseAll, err := h.hold(ctx, 25)
	require.NoError(t, err, "a batch larger than the cap runs alone")
	require.False(t, h.sem.TryAcquire(1))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = h.hold(cancelled, 1)
	require.ErrorIs(t, err, context.Canceled)
	impatient := &heldItems{sem: h.sem, max: h.max, maxWait: time.Millisecond}
	_, err = impatient.hold(ctx, 1)
	require.ErrorIs(t, err, errWaitedForItems, "a wait that ran out while the job's context lives")
	releaseAll()
	require.True(t, h.sem.TryAcquire(10), "every item was given back")
}

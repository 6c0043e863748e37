package jobs

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"
)

// maxItemsHeld caps the items (the pages of conversations' messages, chats,
// SLA trackers) that one process's batch jobs have read and not committed
// yet. A job holds what it read until its transaction commits, so without a
// cap the memory grew with SYNCER_WORKERS: re-reading 2,927 open
// conversations, 16 workers held up to 70 MiB of live heap (peak RSS
// 187 MB) and 64 held 103 MiB. With 400, four full messages jobs, 25 MiB
// (104 MB), and the re-read took 4.3 s instead of 6.0 s, fewer transactions
// contending; 200 was smaller still but halved the requests in flight.
const maxItemsHeld = 400

// heldItems counts the items a process's batch jobs hold.
type heldItems struct {
	sem *semaphore.Weighted
	max int
}

func newHeldItems(max int) *heldItems {
	return &heldItems{sem: semaphore.NewWeighted(int64(max)), max: max}
}

// hold waits, first come first served, until n more items may be held and
// returns what gives them back. A batch larger than the cap holds all of
// it, and so runs alone.
func (h *heldItems) hold(ctx context.Context, n int) (release func(), err error) {
	w := int64(min(n, h.max))
	if err := h.sem.Acquire(ctx, w); err != nil {
		return nil, fmt.Errorf("wait to read %d items: %w", n, err)
	}
	return func() { h.sem.Release(w) }, nil
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// maxItemsHeld caps the items (the pages of conversations' messages, chats,
// SLA trackers) that one process's batch jobs of one source have read and
// not committed yet. A job holds what it read until its transaction
// commits, so without a cap the memory grew with SYNCER_WORKERS: re-reading
// 2,927 open conversations, 16 workers held up to 70 MiB of live heap (peak
// RSS 187 MB) and 64 held 103 MiB. With 400, four full messages jobs,
// 25 MiB (104 MB), and the re-read took 4.3 s instead of 6.0 s, fewer
// transactions contending; 200 was smaller still but halved the requests in
// flight. The cap is per source, as the workers are: a slow vendor's jobs
// never hold back another's.
const maxItemsHeld = 400

// maxItemsWait bounds how long a batch job waits to hold its items before
// it goes back to the queue, well within the job's timeout (pageTimeout):
// jobs ahead of it may each take minutes against a slow API, and a job that
// timed out waiting would spend one of its attempts for nothing.
const maxItemsWait = time.Minute

// errWaitedForItems says a batch job waited its longest wait for its items
// without getting them.
var errWaitedForItems = errors.New("waited too long to hold the batch's items")

// heldItems counts the items each source's batch jobs hold in a process.
type heldItems struct {
	max     int
	maxWait time.Duration

	mu       sync.Mutex
	bySource map[string]*semaphore.Weighted
}

func newHeldItems(max int, maxWait time.Duration) *heldItems {
	return &heldItems{max: max, maxWait: maxWait, bySource: map[string]*semaphore.Weighted{}}
}

func (h *heldItems) of(source string) *semaphore.Weighted {
	h.mu.Lock()
	defer h.mu.Unlock()
	sem, ok := h.bySource[source]
	if !ok {
		sem = semaphore.NewWeighted(int64(h.max))
		h.bySource[source] = sem
	}
	return sem
}

// hold waits, first come first served, until source's jobs may hold n more
// items, and returns what gives them back. A batch larger than the cap
// holds all of it, and so runs alone. After its longest wait it gives up
// with errWaitedForItems.
func (h *heldItems) hold(ctx context.Context, source string, n int) (release func(), err error) {
	sem, w := h.of(source), int64(min(n, h.max))
	waitCtx, cancel := context.WithTimeout(ctx, h.maxWait)
	defer cancel()
	if err := sem.Acquire(waitCtx, w); err != nil {
		if ctx.Err() == nil {
			err = errWaitedForItems
		}
		return nil, fmt.Errorf("wait to read %d items: %w", n, err)
	}
	return func() { sem.Release(w) }, nil
}

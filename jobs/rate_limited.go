package jobs

import (
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/fetcher"
)

// rateLimited gathers the fetches of a batch job that had to wait for the
// rate limit longer than is worth waiting inline. When every other fetch of
// the batch has an outcome, the job commits those and leaves these to a
// follow-up job scheduled for when the wait is over. Snoozing the whole job
// instead would throw away the pages it fetched and spend the budget on them
// again; and a batch that needs more requests than a window allows would
// never get through.
type rateLimited struct {
	count int
	// wait is the longest wait asked for.
	wait time.Duration
	// first is the first rate-limit error, the one the job reports when it
	// cannot commit part of its batch.
	first *fetcher.RateLimitedError
}

// add counts err if it is a rate limit, and reports whether it was.
func (r *rateLimited) add(err error) bool {
	var rateErr *fetcher.RateLimitedError
	if !errors.As(err, &rateErr) {
		return false
	}
	r.count++
	r.wait = max(r.wait, rateErr.Wait)
	if r.first == nil {
		r.first = rateErr
	}
	return true
}

// err is what the job reports when it cannot commit part of its batch, nil
// when no fetch was rate limited.
func (r *rateLimited) err() error {
	if r.first == nil {
		return nil
	}
	return r.first
}

// deferrable reports whether the job should commit the rest of its batch of
// total items and leave the rate-limited ones to a follow-up job: some items
// were rate limited, some were not, and no other fetch failed in a way that
// makes the job retry anyway.
func (r *rateLimited) deferrable(total, otherFailures int) bool {
	return r.count > 0 && r.count < total && otherFailures == 0
}

// followUp is the job that fetches the deferred items, scheduled for when
// the wait is over.
func (r *rateLimited) followUp(args river.JobArgs, ref jobRef) river.InsertManyParams {
	p := insertParams(args, ref)
	p.InsertOpts.ScheduledAt = time.Now().Add(r.wait)
	return p
}

package jobs

import (
	"errors"
	"time"

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
	// wait is the longest wait asked for.
	wait time.Duration
	// first is the first rate-limit error, the one the job reports when it
	// cannot commit part of its batch.
	first *fetcher.RateLimitedError
}

// add takes err into account if it is a rate limit (the longest wait, the
// first error), and reports whether it was.
func (r *rateLimited) add(err error) bool {
	var rateErr *fetcher.RateLimitedError
	if !errors.As(err, &rateErr) {
		return false
	}
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

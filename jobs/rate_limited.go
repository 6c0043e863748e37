package jobs

import (
	"context"
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
	// first is the first rate-limit error; refused the first that came
	// from a refusal (429), which the whole source must learn of.
	first, refused *fetcher.RateLimitedError
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
	if rateErr.Refused && r.refused == nil {
		r.refused = rateErr
	}
	return true
}

// err is what the job reports when it cannot commit part of its batch (a
// refusal first: it pauses the source for every process), nil when no fetch
// was rate limited.
func (r *rateLimited) err() error {
	switch {
	case r.refused != nil:
		return r.refused
	case r.first != nil:
		return r.first
	}
	return nil
}

// deferrable reports whether the job should commit the rest of its batch of
// total items and leave the rate-limited ones to a follow-up job: some items
// were rate limited, some were not, and no other fetch failed in a way that
// makes the job retry anyway.
func (r *rateLimited) deferrable(total, otherFailures int) bool {
	return r.count > 0 && r.count < total && otherFailures == 0
}

// recordRefusal pauses the source for every process after a refusal (429)
// among the batch's fetches (see PauseSource). It is written outside the
// page's transaction, so that the pause neither waits for the page nor
// holds the pause's row while the page's rows are written.
func (r *rateLimited) recordRefusal(ctx context.Context, d *Deps, source string) {
	if r.refused == nil {
		return
	}
	if err := PauseSource(ctx, d.Pool, source, r.refused.Wait, r.refused.Error()); err != nil {
		d.Logger.Warn().Err(err).Str("source", source).Msg("record source pause")
	}
}

// followUp is the job that fetches the deferred items, scheduled for when
// the wait is over.
func (r *rateLimited) followUp(args river.JobArgs, ref jobRef) river.InsertManyParams {
	p := insertParams(args, ref)
	p.InsertOpts.ScheduledAt = time.Now().Add(r.wait)
	return p
}

package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
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

// followUp is the job that fetches the deferred items, scheduled for when the
// wait is over. Called inside the page's transaction, it also records a
// refusal as a pause of the source, which every process reads before it
// starts a job of the source.
func (r *rateLimited) followUp(ctx context.Context, tx pgx.Tx, args river.JobArgs, ref jobRef) (river.InsertManyParams, error) {
	if r.refused != nil {
		if err := PauseSource(ctx, tx, ref.source, r.refused.Wait, r.refused.Error()); err != nil {
			return river.InsertManyParams{}, err
		}
	}
	p := insertParams(args, ref)
	p.InsertOpts.ScheduledAt = time.Now().Add(r.wait)
	return p, nil
}

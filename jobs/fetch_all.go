package jobs

import (
	"context"
	"sync"

	"github.com/syncerhq/syncer/fetcher"
)

// fetchParallelism is how many requests one batch job has in flight at once.
// The source's pacer still spaces them to its rate limit. With at most four
// full messages jobs reading at once (maxItemsHeld), 32 keeps as many
// requests in flight as 16 jobs of 8 did: a backfill of 1,000
// conversations from an API that answers in 50 ms took 1.7 s, against 1.8 s
// before the cap and 2.9 s with the cap and 8 per job.
const fetchParallelism = 32

// fetched is the outcome of fetching one item of a batch.
type fetched[R any] struct {
	value R
	err   error
}

// fetchAll runs fn for every item, a few at a time, and returns the outcomes
// in the items' order. It stops starting new fetches once ctx ends.
func fetchAll[T, R any](ctx context.Context, items []T, fn func(context.Context, T) (R, error)) []fetched[R] {
	out := make([]fetched[R], len(items))
	sem := make(chan struct{}, fetchParallelism)
	var wg sync.WaitGroup
	for i, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i].err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].value, out[i].err = fn(ctx, it)
		}()
	}
	wg.Wait()
	return out
}

// firstFailure picks the error a batch job reports when fetches failed
// (rate limits aside: see rateLimited): refused credentials first, then the
// first other error.
func firstFailure(errs []error) error {
	var first error
	for _, err := range errs {
		switch {
		case fetcher.IsAuthError(err) && (first == nil || !fetcher.IsAuthError(first)):
			first = err
		case first == nil:
			first = err
		}
	}
	return first
}

// refusedForGood reports whether err is the vendor refusing one item of a
// batch for good (a 4xx other than not found, a rate limit or refused
// credentials): the item is quarantined, with the error, and the rest of
// the batch lands. Failing the job would throw the batch away for one item.
func refusedForGood(err error) bool {
	return err != nil && isPermanent(err) && !fetcher.IsAuthError(err)
}

package jobs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// batchJob is what a job that reads a batch of items at once (the messages
// of conversations, chats, SLA trackers) does with each. Every item's read
// ends one of six ways, which runBatch treats alike for every such job:
//   - read: land adds its records to the batch;
//   - gone at the source (404): gone says what that means;
//   - refused for good (a 4xx): quarantined with its error, and the rest of
//     the batch lands: failing the job would throw the batch away for one
//     item;
//   - rate limited beyond the inline wait: left to a follow-up job
//     scheduled for when the wait is over, once everything else has an
//     outcome (snoozing the whole job would throw away what it read, and a
//     batch that needs more requests than a window allows would never get
//     through);
//   - refused with 401 or 403 while another item was answered: the token
//     works, the refusal is this item's alone: quarantined, as above;
//   - failed otherwise (a 5xx, a timeout): left to the follow-up job when
//     another item was answered, so that one item that keeps failing does
//     not hold back the others; when none was, the job fails and River
//     retries it (a 401 or 403 of every item is the token refused).
type batchJob[T, R any] struct {
	// base is what the batch holds whatever its items' outcomes.
	base       record.Batch
	fetch      func(context.Context, T) (R, error)
	land       func(b *record.Batch, item T, value R)
	gone       func(b *record.Batch, item T)
	quarantine func(item T, err error) record.Quarantined
	// lock, when set, runs first in the transaction that stores the batch
	// (see pageCommit.lockFunc).
	lock func(ctx context.Context, q *dbq.Queries) error
	// step, when set, runs in the transaction that stores the batch, and
	// lists the jobs that follow from it.
	step func(ctx context.Context, q *dbq.Queries, written db.WriteResult) ([]river.InsertManyParams, error)
	// followUp is the job of the items left for later: those the rate limit
	// deferred and those whose read failed in passing.
	followUp func(items []T) river.JobArgs
}

// startBatch starts a batch job whose source reads its items through G (a
// fetcher.ChatGetter, say). A source without G has none of what the job
// reads, and retrying cannot change that: the job is cancelled.
func startBatch[G any, A sourceJob](ctx context.Context, d *Deps, job *river.Job[A], what string) (jobRef, G, error) {
	ref, src, err := start(ctx, d, job)
	if err != nil {
		var none G
		return ref, none, err
	}
	getter, ok := src.(G)
	if !ok {
		return ref, getter, river.JobCancel(fmt.Errorf("source %s has no %s to read", ref.source, what))
	}
	return ref, getter, nil
}

// runBatch reads items as spec says and commits what it read, with the
// jobs that follow, in one transaction that also completes job.
func runBatch[T, R any, A river.JobArgs](ctx context.Context, d *Deps, job *river.Job[A], ref jobRef, items []T, spec batchJob[T, R]) error {
	stats := &fetcher.RequestStats{}
	release, err := d.held.hold(ctx, ref.source, len(items))
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	defer release()
	results := fetchAll(fetcher.WithStats(ctx, stats), items, spec.fetch)
	var batch record.Batch
	batch.Merge(&spec.base)
	out := sortResults(&batch, items, results, spec)
	if err := out.failure(ctx); err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	logQuarantined(d, ref, batch.Quarantined)
	_, err = commitPage(ctx, d, pageCommit[A]{
		job: job, ref: ref, batch: &batch, stats: stats, lockFunc: spec.lock,
		stepFunc: func(ctx context.Context, tx pgx.Tx, written db.WriteResult) ([]river.InsertManyParams, error) {
			var next []river.InsertManyParams
			if spec.step != nil {
				var err error
				if next, err = spec.step(ctx, dbq.New(tx), written); err != nil {
					return nil, err
				}
			}
			if deferred := out.deferred(); len(deferred) > 0 {
				p := insertParams(spec.followUp(deferred), ref)
				p.InsertOpts.ScheduledAt = time.Now().Add(out.wait())
				next = append(next, p)
			}
			return next, nil
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

// batchResults are a batch's reads sorted by how they ended.
type batchResults[T any] struct {
	limited  rateLimited
	limitedT []T // rate limited beyond the inline wait
	failed   []T // failed otherwise: a 5xx, a timeout, a garbled body
	failures []error
	// answered is set when the API answered some read with the record or
	// a refusal of it alone (404, 4xx): the credentials work, so a 401 or
	// 403 of another item is that item's alone, not the token's.
	answered bool
	refused  []int // indexes of reads refused with 401 or 403
}

// sortResults adds what each read gave to batch and sorts the rest.
func sortResults[T, R any](batch *record.Batch, items []T, results []fetched[R], spec batchJob[T, R]) *batchResults[T] {
	out := &batchResults[T]{}
	for i, r := range results {
		switch item := items[i]; {
		case fetcher.IsNotFound(r.err):
			spec.gone(batch, item)
			out.answered = true
		case refusedForGood(r.err):
			batch.Quarantined = append(batch.Quarantined, spec.quarantine(item, r.err))
			out.answered = true
		case out.limited.add(r.err):
			out.limitedT = append(out.limitedT, item)
		case fetcher.IsAuthError(r.err):
			out.refused = append(out.refused, i)
		case r.err != nil:
			out.failed = append(out.failed, item)
			out.failures = append(out.failures, r.err)
		default:
			spec.land(batch, item, r.value)
			out.answered = true
		}
	}
	for _, i := range out.refused {
		if out.answered {
			batch.Quarantined = append(batch.Quarantined, spec.quarantine(items[i], results[i].err))
		} else {
			out.failures = append(out.failures, results[i].err)
		}
	}
	return out
}

// failure is the error the job fails with, nil when it commits what it
// read. It commits when some read was answered and the others were rate
// limited or failed in passing: they go to a follow-up job, so that one
// item that keeps failing does not hold back the others' records batch
// after batch. When nothing was answered, the job retries (or, rate
// limited, snoozes) whole, as it does when it is shutting down.
func (o *batchResults[T]) failure(ctx context.Context) error {
	fail := cmp.Or(o.limited.err(), firstFailure(o.failures))
	if !o.answered || (len(o.failures) > 0 && ctx.Err() != nil) {
		return fail
	}
	return nil
}

// deferred are the items left to the follow-up job.
func (o *batchResults[T]) deferred() []T { return slices.Concat(o.limitedT, o.failed) }

// wait is how long the follow-up job waits: until the rate limit's wait
// is over, and at least a first retry's delay for reads that failed.
func (o *batchResults[T]) wait() time.Duration {
	if len(o.failed) > 0 {
		return max(o.limited.wait, retryDelay(1))
	}
	return o.limited.wait
}

// logQuarantined reports records that went to quarantine, one event each.
func logQuarantined(d *Deps, ref jobRef, records []record.Quarantined) {
	for _, q := range records {
		d.Logger.Warn().Str("source", ref.source).Str("stream", q.Stream).Str("record_id", q.RecordID).
			Str("error", q.Error).Msg("record quarantined")
	}
}

package jobs

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// batchJob is what a job that reads a batch of items at once (the messages
// of conversations, chats, SLA trackers) does with each. Every item's read
// ends one of five ways, which runBatch treats alike for every such job:
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
//   - failed otherwise: the job fails, and River retries it.
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
	step func(ctx context.Context, q *dbq.Queries) ([]river.InsertManyParams, error)
	// followUp is the job of the items the rate limit deferred.
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
	var deferred []T
	var failures []error
	var limited rateLimited
	for i, r := range results {
		switch item := items[i]; {
		case fetcher.IsNotFound(r.err):
			spec.gone(&batch, item)
		case refusedForGood(r.err):
			batch.Quarantined = append(batch.Quarantined, spec.quarantine(item, r.err))
		case limited.add(r.err):
			deferred = append(deferred, item)
		case r.err != nil:
			failures = append(failures, r.err)
		default:
			spec.land(&batch, item, r.value)
		}
	}
	if !limited.deferrable(len(results), len(failures)) {
		if err := cmp.Or(limited.err(), firstFailure(failures)); err != nil {
			return d.jobFailed(ctx, ref, stats, err)
		}
	}
	logQuarantined(d, ref, batch.Quarantined)
	_, err = commitPage(ctx, d, pageCommit[A]{
		job: job, ref: ref, batch: &batch, stats: stats, lockFunc: spec.lock,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			var next []river.InsertManyParams
			if spec.step != nil {
				var err error
				if next, err = spec.step(ctx, dbq.New(tx)); err != nil {
					return nil, err
				}
			}
			if len(deferred) > 0 {
				next = append(next, limited.followUp(spec.followUp(deferred), ref))
			}
			return next, nil
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

// logQuarantined reports records that went to quarantine, one event each.
func logQuarantined(d *Deps, ref jobRef, records []record.Quarantined) {
	for _, q := range records {
		d.Logger.Warn().Str("source", ref.source).Str("stream", q.Stream).Str("record_id", q.RecordID).
			Str("error", q.Error).Msg("record quarantined")
	}
}

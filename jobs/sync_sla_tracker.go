package jobs

import (
	"cmp"
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// SLATrackerArgs is a job that syncs the SLA of conversations that name their
// tracker without embedding it.
type SLATrackerArgs struct {
	Source   string                  `json:"source"`
	Trackers []fetcher.SLATrackerRef `json:"trackers"`
	RunID    int64                   `json:"run_id"`
}

// Kind implements river.JobArgs.
func (SLATrackerArgs) Kind() string { return "sync_sla_trackers" }

// SLATrackerWorker syncs SLA trackers.
type SLATrackerWorker struct {
	river.WorkerDefaults[SLATrackerArgs]
	Deps *Deps
}

// Timeout bounds one batch of trackers.
func (w *SLATrackerWorker) Timeout(*river.Job[SLATrackerArgs]) time.Duration { return pageTimeout }

// Work fetches and stores the conversations' SLA summaries and metrics. A
// tracker that is gone leaves its conversation without SLA.
func (w *SLATrackerWorker) Work(ctx context.Context, job *river.Job[SLATrackerArgs]) error {
	d := w.Deps
	ref := jobRef{source: job.Args.Source, runID: job.Args.RunID, row: job.JobRow}
	src, err := d.ready(ctx, ref.source)
	if err != nil {
		return err
	}
	stats := &fetcher.RequestStats{}
	results := fetchAll(fetcher.WithStats(ctx, stats), job.Args.Trackers, src.GetSLATracker)
	var batch record.Batch
	var transient []fetched[*record.Batch]
	var deferred []fetcher.SLATrackerRef
	var limited rateLimited
	for i, r := range results {
		switch {
		case fetcher.IsNotFound(r.err):
			batch.SLAOf = append(batch.SLAOf, job.Args.Trackers[i].ConversationID)
		case refusedForGood(r.err):
			tr := job.Args.Trackers[i]
			batch.Quarantined = append(batch.Quarantined, record.Quarantined{
				Stream: record.StreamSLATrackers, RecordID: tr.TrackerID, ParentID: tr.ConversationID, Error: r.err.Error(),
			})
		case limited.add(r.err):
			deferred = append(deferred, job.Args.Trackers[i])
		case r.err != nil:
			transient = append(transient, r)
		default:
			batch.Merge(r.value)
		}
	}
	if !limited.deferrable(len(results), len(transient)) {
		if err := cmp.Or(limited.err(), firstFailure(transient)); err != nil {
			return d.jobFailed(ctx, ref, stats, err)
		}
	}
	logQuarantined(d, ref, batch.Quarantined)
	_, err = commitPage(ctx, d, pageCommit[SLATrackerArgs]{
		job: job, ref: ref, batch: &batch, stats: stats,
		stepFunc: func(context.Context, pgx.Tx, db.WriteResult) ([]river.InsertManyParams, error) {
			if len(deferred) == 0 {
				return nil, nil
			}
			return []river.InsertManyParams{limited.followUp(SLATrackerArgs{Source: ref.source, Trackers: deferred, RunID: ref.runID}, ref)}, nil
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

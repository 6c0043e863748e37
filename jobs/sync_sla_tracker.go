package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// SLATrackerArgs is a job that syncs the SLA of conversations that name their
// tracker without embedding it.
type SLATrackerArgs struct {
	JobRun
	Trackers []fetcher.SLATrackerRef `json:"trackers"`
}

// Kind implements river.JobArgs.
func (SLATrackerArgs) Kind() string { return "sync_sla_trackers" }

// syncSLATrackers fetches and stores the conversations' SLA summaries and metrics. A
// tracker that is gone leaves its conversation without SLA.
func (d *Deps) syncSLATrackers(ctx context.Context, job *river.Job[SLATrackerArgs]) error {
	ref, getter, err := startBatch[fetcher.SLATrackerGetter](ctx, d, job, "SLA trackers")
	if err != nil {
		return err
	}
	return runBatch(ctx, d, job, ref, job.Args.Trackers, batchJob[fetcher.SLATrackerRef, *record.Batch]{
		fetch: getter.GetSLATracker,
		land:  func(b *record.Batch, _ fetcher.SLATrackerRef, read *record.Batch) { b.Merge(read) },
		gone: func(b *record.Batch, tr fetcher.SLATrackerRef) {
			b.SLAOf = append(b.SLAOf, tr.ConversationID)
		},
		quarantine: func(tr fetcher.SLATrackerRef, err error) record.Quarantined {
			return record.Quarantined{Stream: record.StreamSLATrackers, RecordID: tr.TrackerID, ParentID: tr.ConversationID, Error: err.Error()}
		},
		followUp: func(trackers []fetcher.SLATrackerRef) river.JobArgs {
			return SLATrackerArgs{JobRun: ref.jobRun(), Trackers: trackers}
		},
	})
}

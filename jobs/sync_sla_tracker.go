package jobs

import (
	"context"
	"slices"

	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
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
		// Nothing dates an SLA: a read that another one overtook (see
		// db.WriteResult.SLAOvertaken) stored a copy that may be older, and
		// its trackers are read once more, after both.
		step: func(_ context.Context, _ *dbq.Queries, written db.WriteResult) ([]river.InsertManyParams, error) {
			again := trackersOf(job.Args.Trackers, written.SLAOvertaken)
			if len(again) == 0 {
				return nil, nil
			}
			d.Logger.Info().Str("source", ref.source).Strs("conversation_ids", written.SLAOvertaken).
				Msg("another read stored these SLAs while this one ran; reading their trackers again")
			return []river.InsertManyParams{insertParams(SLATrackerArgs{JobRun: ref.jobRun(), Trackers: again}, ref)}, nil
		},
	})
}

// trackersOf are the trackers of the conversations ids.
func trackersOf(trackers []fetcher.SLATrackerRef, ids []string) []fetcher.SLATrackerRef {
	var out []fetcher.SLATrackerRef
	for _, tr := range trackers {
		if slices.Contains(ids, tr.ConversationID) {
			out = append(out, tr)
		}
	}
	return out
}

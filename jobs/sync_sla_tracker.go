package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

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
	var overtaken []string
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
		lock: func(ctx context.Context, q *dbq.Queries) (err error) {
			overtaken, err = slaWrittenSince(ctx, q, ref.source, job.Args.Trackers, fetchedAfter(job.JobRow))
			return err
		},
		step: func(context.Context, *dbq.Queries) ([]river.InsertManyParams, error) {
			again := trackersOf(job.Args.Trackers, overtaken)
			if len(again) == 0 {
				return nil, nil
			}
			d.Logger.Info().Str("source", ref.source).Strs("conversation_ids", overtaken).
				Msg("another read stored these SLAs while this one ran; reading their trackers again")
			return []river.InsertManyParams{insertParams(SLATrackerArgs{JobRun: ref.jobRun(), Trackers: again}, ref)}, nil
		},
	})
}

// slaWrittenSince locks the live conversations of trackers, so that no
// other read stores their SLA until this one commits, and returns those
// whose SLA another read stored since this job began (since): the two
// copies cannot be ordered (an SLA carries no modification time), so this
// read stores its own and the trackers are read once more, after both.
func slaWrittenSince(ctx context.Context, q *dbq.Queries, source string, trackers []fetcher.SLATrackerRef, since time.Time) ([]string, error) {
	if since.IsZero() {
		return nil, nil // River did not say when the job began: nothing to tell
	}
	ids := make([]string, 0, len(trackers))
	for _, tr := range trackers {
		ids = append(ids, tr.ConversationID)
	}
	ids = uniqueStrings(ids)
	if _, err := q.LockLiveConversations(ctx, dbq.LockLiveConversationsParams{Source: source, Ids: ids}); err != nil {
		return nil, fmt.Errorf("lock %d conversations for their SLA: %w", len(ids), err)
	}
	written, err := q.SLAWrittenSince(ctx, dbq.SLAWrittenSinceParams{Source: source, Ids: ids, Since: since})
	if err != nil {
		return nil, fmt.Errorf("look for SLAs stored since the job began: %w", err)
	}
	return written, nil
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

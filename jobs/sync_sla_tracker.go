package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// SLATrackerArgs is a job that syncs a conversation's SLA from its tracker,
// for conversations that name their tracker without embedding it.
type SLATrackerArgs struct {
	Source         string                `json:"source" river:"unique"`
	ConversationID string                `json:"conversation_id" river:"unique"`
	Tracker        fetcher.SLATrackerRef `json:"tracker"`
	RunID          int64                 `json:"run_id"`
}

// Kind implements river.JobArgs.
func (SLATrackerArgs) Kind() string { return "sync_sla_tracker" }

func (a SLATrackerArgs) uniqueKey() string { return a.Source + "\x00" + a.ConversationID }

// SLATrackerWorker syncs SLA trackers.
type SLATrackerWorker struct {
	river.WorkerDefaults[SLATrackerArgs]
	Deps *Deps
}

// Timeout bounds one tracker.
func (w *SLATrackerWorker) Timeout(*river.Job[SLATrackerArgs]) time.Duration { return pageTimeout }

// Work fetches and stores one conversation's SLA summary and metrics. A
// tracker that is gone leaves the conversation without SLA.
func (w *SLATrackerWorker) Work(ctx context.Context, job *river.Job[SLATrackerArgs]) error {
	d := w.Deps
	ref := jobRef{source: job.Args.Source, runID: job.Args.RunID, row: job.JobRow}
	src, err := d.source(ref.source)
	if err != nil {
		return err
	}
	if wait, err := d.pausedFor(ctx, ref.source); err != nil {
		return err
	} else if wait > 0 {
		return river.JobSnooze(wait)
	}
	stats := &fetcher.RequestStats{}
	batch, err := src.GetSLATracker(fetcher.WithStats(ctx, stats), job.Args.Tracker)
	if fetcher.IsNotFound(err) {
		batch, err = &record.Batch{SLAOf: []string{job.Args.ConversationID}}, nil
	}
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	if _, err := commitPage(ctx, d, pageCommit[SLATrackerArgs]{job: job, ref: ref, batch: batch, stats: stats}); err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

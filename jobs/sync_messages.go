package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// messagesPerJob is how many conversations one messages job reads. Batching
// is what makes a backfill fast: one job and one transaction carry the pages
// of many conversations, instead of a job's fixed cost per conversation.
const messagesPerJob = 50

// MessageTarget is one conversation whose messages a job reads, with its
// place in the listing. The cursors travel in the args: each job queues the
// next pages in the same transaction that stores these.
type MessageTarget struct {
	ConversationID string `json:"id"`
	// ForModifiedAt is the conversation's modification time this read was
	// started for; reaching the last page records it as synced.
	ForModifiedAt time.Time `json:"for,omitzero"`
	// Since is when this read of the whole history began: the database's
	// time when its first page committed. Every message the read has seen
	// was stored (synced_at) at or after it, so the last page can take the
	// ones older than it for deleted. Zero before the first page commits.
	Since  time.Time `json:"since,omitzero"`
	Cursor string    `json:"cursor,omitempty"`
	// Page counts the pages read so far, to stop a listing that never ends.
	Page int `json:"page,omitempty"`
}

// MessagesArgs is a job that syncs the next page of messages of a batch of
// conversations.
type MessagesArgs struct {
	Source  string          `json:"source"`
	Targets []MessageTarget `json:"targets"`
	RunID   int64           `json:"run_id"`
}

// Kind implements river.JobArgs.
func (MessagesArgs) Kind() string { return "sync_messages" }

// messageJobs splits targets into batch jobs.
func messageJobs(ref jobRef, targets []MessageTarget) []river.InsertManyParams {
	var out []river.InsertManyParams
	for len(targets) > 0 {
		n := min(len(targets), messagesPerJob)
		out = append(out, insertParams(MessagesArgs{Source: ref.source, Targets: targets[:n:n], RunID: ref.runID}, ref))
		targets = targets[n:]
	}
	return out
}

// MessagesWorker syncs pages of messages.
type MessagesWorker struct {
	river.WorkerDefaults[MessagesArgs]
	Deps *Deps
}

// maxMessagePages stops a message listing whose cursor cycles: no real
// conversation has a million messages.
const maxMessagePages = 10000

// Timeout bounds one batch of pages.
func (w *MessagesWorker) Timeout(*river.Job[MessagesArgs]) time.Duration { return pageTimeout }

// Work fetches the next page of every target and commits them together.
func (w *MessagesWorker) Work(ctx context.Context, job *river.Job[MessagesArgs]) error {
	d := w.Deps
	args := job.Args
	ref := jobRef{source: args.Source, runID: args.RunID, row: job.JobRow}
	src, err := d.ready(ctx, ref.source)
	if err != nil {
		return err
	}

	stats := &fetcher.RequestStats{}
	results := fetchAll(fetcher.WithStats(ctx, stats), args.Targets, func(ctx context.Context, t MessageTarget) (*fetcher.MessagePage, error) {
		page, err := src.ListMessages(ctx, fetcher.MessageQuery{ConversationID: t.ConversationID, Cursor: t.Cursor})
		switch {
		case err != nil:
			return nil, err
		case page.NextCursor != "" && page.NextCursor == t.Cursor:
			return nil, permanent(fmt.Errorf("messages of %s: the listing returned the cursor it was given (%q) and does not advance", t.ConversationID, t.Cursor))
		case page.NextCursor != "" && t.Page+1 >= maxMessagePages:
			return nil, permanent(fmt.Errorf("messages of %s: still not at the end after %d pages; the cursor seems to cycle", t.ConversationID, maxMessagePages))
		}
		return page, nil
	})

	out := classifyMessages(args.Targets, results)
	if !out.limited.deferrable(len(results), len(out.transient)) {
		if err := cmp.Or(out.limited.err(), firstFailure(out.transient)); err != nil {
			return d.jobFailed(ctx, ref, stats, err)
		}
	}
	logQuarantined(d, ref, out.batch.Quarantined)

	_, err = commitPage(ctx, d, pageCommit[MessagesArgs]{
		job: job, ref: ref, batch: &out.batch, stats: stats,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			return w.step(ctx, dbq.New(tx), ref, out)
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

// messageOutcomes sorts what a messages job fetched.
type messageOutcomes struct {
	batch record.Batch
	// gone are conversations that answered 404: a get checks they are
	// gone, and marks them deleted.
	gone []string
	// finished are reads that reached their last page.
	finished []finishedRead
	// more are reads to go on with, deferred the rate-limited ones.
	more, deferred []MessageTarget
	transient      []fetched[*fetcher.MessagePage]
	limited        rateLimited
}

// finishedRead is a read that reached its last page.
type finishedRead struct {
	target MessageTarget
	last   *fetcher.MessagePage
}

// classifyMessages sorts the results of a batch of reads. A conversation
// that is gone, or whose messages cannot be read for good, does not hold up
// the others: the first is checked with a get (which marks it deleted on a
// 404), the second quarantined (and retried at the end of later passes).
func classifyMessages(targets []MessageTarget, results []fetched[*fetcher.MessagePage]) *messageOutcomes {
	out := &messageOutcomes{}
	for i, r := range results {
		t := targets[i]
		switch {
		case fetcher.IsNotFound(r.err):
			out.gone = append(out.gone, t.ConversationID)
		case refusedForGood(r.err):
			out.batch.Quarantined = append(out.batch.Quarantined, record.Quarantined{
				Stream: record.StreamMessages, RecordID: "conversation:" + t.ConversationID, ParentID: t.ConversationID,
				Error: r.err.Error(),
			})
		case out.limited.add(r.err):
			out.deferred = append(out.deferred, t)
		case r.err != nil:
			out.transient = append(out.transient, r)
		case r.value.NextCursor != "":
			out.batch.Merge(&r.value.Batch)
			t.Cursor, t.Page = r.value.NextCursor, t.Page+1
			out.more = append(out.more, t)
		default:
			out.batch.Merge(&r.value.Batch)
			out.finished = append(out.finished, finishedRead{target: t, last: r.value})
		}
	}
	return out
}

// step runs in the transaction that stores the fetched pages: it takes what
// finished reads did not see for deleted, records them as read, and lists
// the jobs that follow.
func (w *MessagesWorker) step(ctx context.Context, q *dbq.Queries, ref jobRef, out *messageOutcomes) ([]river.InsertManyParams, error) {
	// The reads that began with this commit began now: the time their
	// messages were stored at.
	now, err := q.TransactionTime(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the transaction's time: %w", err)
	}
	if err := w.reconcile(ctx, q, ref, out.finished, now); err != nil {
		return nil, err
	}
	if err := markRead(ctx, q, ref, out.finished); err != nil {
		return nil, err
	}
	var next []river.InsertManyParams
	for _, id := range out.gone {
		next = append(next, insertParams(VerifyConversationArgs{Source: ref.source, ConversationID: id, RunID: ref.runID}, ref))
	}
	if len(out.more) > 0 {
		for i := range out.more {
			if out.more[i].Since.IsZero() {
				out.more[i].Since = now
			}
		}
		next = append(next, insertParams(MessagesArgs{Source: ref.source, Targets: out.more, RunID: ref.runID}, ref))
	}
	if len(out.deferred) > 0 {
		next = append(next, out.limited.followUp(MessagesArgs{Source: ref.source, Targets: out.deferred, RunID: ref.runID}, ref))
	}
	return next, nil
}

// reconcile takes the messages each finished read did not see for deleted,
// when the read covered them: a read cut off midway never gets here, and
// one that could not reach the conversation's start covers only what it
// read.
func (w *MessagesWorker) reconcile(ctx context.Context, q *dbq.Queries, ref jobRef, finished []finishedRead, now time.Time) error {
	for _, f := range finished {
		from, ok := f.last.Reconciles()
		if !ok {
			continue
		}
		since := f.target.Since
		if since.IsZero() {
			since = now // the read was this one page
		}
		var coveredFrom *time.Time
		if !from.IsZero() {
			coveredFrom = &from
		}
		gone, err := q.MarkMessagesGone(ctx, dbq.MarkMessagesGoneParams{
			Source: ref.source, ConversationID: f.target.ConversationID, ReadSince: since, CoveredFrom: coveredFrom,
		})
		if err != nil {
			return fmt.Errorf("mark the messages of %s gone at the source: %w", f.target.ConversationID, err)
		}
		if len(gone) == 0 {
			continue
		}
		w.Deps.Logger.Info().Str("source", ref.source).Str("conversation_id", f.target.ConversationID).
			Int("messages", len(gone)).Msg("messages gone at the source marked deleted")
	}
	return nil
}

// markRead records the finished reads' conversations as read for their
// modification times, and takes a conversation whose messages were
// quarantined as a whole out of quarantine.
func markRead(ctx context.Context, q *dbq.Queries, ref jobRef, finished []finishedRead) error {
	if len(finished) == 0 {
		return nil
	}
	synced := make([]syncedFor, len(finished))
	ids := make([]string, len(finished))
	for i, f := range finished {
		synced[i] = syncedFor{ID: f.target.ConversationID, SyncedFor: f.target.ForModifiedAt}
		ids[i] = "conversation:" + f.target.ConversationID
	}
	rows, err := json.Marshal(synced)
	if err != nil {
		return fmt.Errorf("encode synced conversations: %w", err)
	}
	if err := q.MarkMessagesSyncedMany(ctx, dbq.MarkMessagesSyncedManyParams{Source: ref.source, Rows: rows}); err != nil {
		return fmt.Errorf("mark messages synced: %w", err)
	}
	if err := q.ResolveQuarantined(ctx, dbq.ResolveQuarantinedParams{Source: ref.source, Stream: record.StreamMessages, RecordIds: ids}); err != nil {
		return fmt.Errorf("resolve quarantined conversations: %w", err)
	}
	return nil
}

// syncedFor is a conversation whose messages were read to the end.
type syncedFor struct {
	ID        string    `json:"id"`
	SyncedFor time.Time `json:"synced_for,omitzero"`
}

// logQuarantined reports records that went to quarantine, one event each.
func logQuarantined(d *Deps, ref jobRef, records []record.Quarantined) {
	for _, q := range records {
		d.Logger.Warn().Str("source", ref.source).Str("stream", q.Stream).Str("record_id", q.RecordID).
			Str("error", q.Error).Msg("record quarantined")
	}
}

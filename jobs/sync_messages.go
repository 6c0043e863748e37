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
	// Full reads the whole history: the conversation's messages were never
	// read to the end. Otherwise sources that page back from the newest
	// message stop at the first messages the mirror already has.
	Full bool `json:"full,omitempty"`
	// CompleteBefore is when the messages were last read to the end (see
	// fetcher.MessageQuery).
	CompleteBefore time.Time `json:"complete_before,omitzero"`
	Cursor         string    `json:"cursor,omitempty"`
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
	sctx := fetcher.WithStats(ctx, stats)
	known := func(ctx context.Context, ids []string) (map[string]bool, error) {
		return d.knownMessages(ctx, args.Source, ids)
	}
	results := fetchAll(sctx, args.Targets, func(ctx context.Context, t MessageTarget) (*fetcher.MessagePage, error) {
		page, err := src.ListMessages(ctx, fetcher.MessageQuery{
			ConversationID: t.ConversationID, Cursor: t.Cursor, Full: t.Full, CompleteBefore: t.CompleteBefore, KnownFunc: known,
		})
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

	// A conversation that is gone, or whose messages cannot be read for
	// good, does not hold up the others: the first is checked with a get
	// (which marks it deleted on a 404), the second quarantined (and retried
	// at the end of later passes).
	var batch record.Batch
	var gone []string
	var synced []syncedFor
	var more, deferred []MessageTarget
	var transient []fetched[*fetcher.MessagePage]
	var limited rateLimited
	for i, r := range results {
		t := args.Targets[i]
		switch {
		case fetcher.IsNotFound(r.err):
			gone = append(gone, t.ConversationID)
		case refusedForGood(r.err):
			batch.Quarantined = append(batch.Quarantined, record.Quarantined{
				Stream: record.StreamMessages, RecordID: "conversation:" + t.ConversationID, ParentID: t.ConversationID,
				Error: r.err.Error(),
			})
		case limited.add(r.err):
			deferred = append(deferred, t)
		case r.err != nil:
			transient = append(transient, r)
		case r.value.NextCursor != "":
			batch.Merge(&r.value.Batch)
			t.Cursor, t.Page = r.value.NextCursor, t.Page+1
			more = append(more, t)
		default:
			batch.Merge(&r.value.Batch)
			synced = append(synced, syncedFor{ID: t.ConversationID, SyncedFor: t.ForModifiedAt})
		}
	}
	if !limited.deferrable(len(results), len(transient)) {
		if err := cmp.Or(limited.err(), firstFailure(transient)); err != nil {
			return d.jobFailed(ctx, ref, stats, err)
		}
	}
	logQuarantined(d, ref, batch.Quarantined)

	_, err = commitPage(ctx, d, pageCommit[MessagesArgs]{
		job: job, ref: ref, batch: &batch, stats: stats,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			q := dbq.New(tx)
			var next []river.InsertManyParams
			for _, id := range gone {
				next = append(next, insertParams(VerifyConversationArgs{Source: ref.source, ConversationID: id, RunID: ref.runID}, ref))
			}
			if len(synced) > 0 {
				rows, err := json.Marshal(synced)
				if err != nil {
					return nil, fmt.Errorf("encode synced conversations: %w", err)
				}
				ids := make([]string, len(synced))
				for i, s := range synced {
					ids[i] = s.ID
				}
				if err := q.MarkMessagesSyncedMany(ctx, dbq.MarkMessagesSyncedManyParams{Source: ref.source, Rows: rows}); err != nil {
					return nil, fmt.Errorf("mark messages synced: %w", err)
				}
				// A conversation whose messages were quarantined as a whole
				// has now been read.
				for i := range ids {
					ids[i] = "conversation:" + ids[i]
				}
				if err := q.ResolveQuarantined(ctx, dbq.ResolveQuarantinedParams{Source: ref.source, Stream: record.StreamMessages, RecordIds: ids}); err != nil {
					return nil, fmt.Errorf("resolve quarantined conversations: %w", err)
				}
			}
			if len(more) > 0 {
				next = append(next, insertParams(MessagesArgs{Source: ref.source, Targets: more, RunID: ref.runID}, ref))
			}
			if len(deferred) > 0 {
				p := limited.followUp(MessagesArgs{Source: ref.source, Targets: deferred, RunID: ref.runID}, ref)
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

// knownMessages reports which of ids the mirror holds for source.
func (d *Deps) knownMessages(ctx context.Context, source string, ids []string) (map[string]bool, error) {
	known, err := dbq.New(d.Pool).KnownMessages(ctx, dbq.KnownMessagesParams{Source: source, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("look up known messages: %w", err)
	}
	out := make(map[string]bool, len(known))
	for _, id := range known {
		out[id] = true
	}
	return out, nil
}

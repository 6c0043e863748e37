package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
)

// MessagesArgs is a job that syncs one page of a conversation's messages. The
// conversation's message cursor travels in the args: each page queues the
// next in the same transaction that stores it.
type MessagesArgs struct {
	Source         string `json:"source" river:"unique"`
	ConversationID string `json:"conversation_id" river:"unique"`
	// ForModifiedAt is the conversation's modification time this read was
	// started for; reaching the last page records it as synced.
	ForModifiedAt time.Time `json:"for_modified_at"`
	Cursor        string    `json:"cursor,omitempty"`
	// Full reads the whole history: the conversation's messages were never
	// read to the end. Otherwise sources that page back from the newest
	// message stop at the first messages the mirror already has.
	Full bool `json:"full,omitempty"`
	// Page counts the pages read so far, to stop a listing that never ends.
	Page  int   `json:"page,omitempty"`
	RunID int64 `json:"run_id"`
}

// Kind implements river.JobArgs.
func (MessagesArgs) Kind() string { return "sync_messages" }

func (a MessagesArgs) uniqueKey() string { return a.Source + "\x00" + a.ConversationID }

// MessagesWorker syncs pages of messages.
type MessagesWorker struct {
	river.WorkerDefaults[MessagesArgs]
	Deps *Deps
}

// maxMessagePages stops a message listing whose cursor cycles: no real
// conversation has a million messages.
const maxMessagePages = 10000

// Timeout bounds one page.
func (w *MessagesWorker) Timeout(*river.Job[MessagesArgs]) time.Duration { return pageTimeout }

// Work fetches and commits one page of a conversation's messages.
func (w *MessagesWorker) Work(ctx context.Context, job *river.Job[MessagesArgs]) error {
	d := w.Deps
	args := job.Args
	ref := jobRef{source: args.Source, runID: args.RunID, row: job.JobRow}
	src, err := d.source(args.Source)
	if err != nil {
		return err
	}
	if wait, err := d.pausedFor(ctx, ref.source); err != nil {
		return err
	} else if wait > 0 {
		return river.JobSnooze(wait)
	}

	stats := &fetcher.RequestStats{}
	page, err := src.ListMessages(fetcher.WithStats(ctx, stats), fetcher.MessageQuery{
		ConversationID: args.ConversationID, Cursor: args.Cursor, Full: args.Full,
		KnownFunc: func(ctx context.Context, ids []string) (map[string]bool, error) {
			return d.knownMessages(ctx, args.Source, ids)
		},
	})
	if fetcher.IsNotFound(err) {
		// The conversation is gone: mark it so instead of retrying forever.
		return markConversationGone(ctx, d, job, ref, args.ConversationID, stats)
	}
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	switch {
	case page.NextCursor != "" && page.NextCursor == args.Cursor:
		return d.jobFailed(ctx, ref, stats, permanent(fmt.Errorf("messages of %s: the listing returned the cursor it was given (%q) and does not advance", args.ConversationID, args.Cursor)))
	case page.NextCursor != "" && args.Page+1 >= maxMessagePages:
		return d.jobFailed(ctx, ref, stats, permanent(fmt.Errorf("messages of %s: still not at the end after %d pages; the cursor seems to cycle", args.ConversationID, maxMessagePages)))
	}

	_, err = commitPage(ctx, d, pageCommit[MessagesArgs]{
		job: job, ref: ref, batch: &page.Batch, stats: stats,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			if page.NextCursor != "" {
				nextArgs := args
				nextArgs.Cursor = page.NextCursor
				nextArgs.Page++
				return []river.InsertManyParams{insertParams(nextArgs, ref)}, nil
			}
			if err := dbq.New(tx).MarkMessagesSynced(ctx, dbq.MarkMessagesSyncedParams{
				Source: ref.source, ID: args.ConversationID, SyncedFor: args.ForModifiedAt,
			}); err != nil {
				return nil, fmt.Errorf("mark messages synced: %w", err)
			}
			return nil, nil
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

// markConversationGone soft-deletes a conversation the vendor no longer
// has, with its messages, completing job in the same transaction.
func markConversationGone[T river.JobArgs](ctx context.Context, d *Deps, job *river.Job[T], ref jobRef, conversationID string, stats *fetcher.RequestStats) error {
	_, err := commitPage(ctx, d, pageCommit[T]{
		job: job, ref: ref, stats: stats,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			return nil, dbq.New(tx).MarkConversationDeleted(ctx, dbq.MarkConversationDeletedParams{Source: ref.source, ID: conversationID})
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	d.Logger.Info().Str("source", ref.source).Str("conversation_id", conversationID).Msg("conversation gone at the source; marked deleted")
	return nil
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

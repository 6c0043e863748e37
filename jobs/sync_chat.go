package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// ChatArgs is a job that syncs one chat referenced by a conversation.
type ChatArgs struct {
	Source string `json:"source" river:"unique"`
	ChatID string `json:"chat_id" river:"unique"`
	RunID  int64  `json:"run_id"`
}

// Kind implements river.JobArgs.
func (ChatArgs) Kind() string { return "sync_chat" }

func (a ChatArgs) uniqueKey() string { return a.Source + "\x00" + a.ChatID }

// ChatWorker syncs chats.
type ChatWorker struct {
	river.WorkerDefaults[ChatArgs]
	Deps *Deps
}

// Timeout bounds one chat.
func (w *ChatWorker) Timeout(*river.Job[ChatArgs]) time.Duration { return pageTimeout }

// Work fetches and stores one chat with its members.
func (w *ChatWorker) Work(ctx context.Context, job *river.Job[ChatArgs]) error {
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
	batch, err := src.GetChat(fetcher.WithStats(ctx, stats), job.Args.ChatID)
	gone := fetcher.IsNotFound(err)
	if err != nil && !gone {
		return d.jobFailed(ctx, ref, stats, err)
	}
	if gone {
		batch = &record.Batch{}
	}
	_, err = commitPage(ctx, d, pageCommit[ChatArgs]{
		job: job, ref: ref, batch: batch, stats: stats,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			if gone {
				return nil, dbq.New(tx).MarkChatDeleted(ctx, dbq.MarkChatDeletedParams{Source: ref.source, ID: job.Args.ChatID})
			}
			return nil, nil
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

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
	"github.com/syncerhq/syncer/record"
)

// ChatArgs is a job that syncs the chats a page of conversations references.
type ChatArgs struct {
	Source  string   `json:"source"`
	ChatIDs []string `json:"chat_ids"`
	RunID   int64    `json:"run_id"`
}

// Kind implements river.JobArgs.
func (ChatArgs) Kind() string { return "sync_chats" }

// ChatWorker syncs chats.
type ChatWorker struct {
	river.WorkerDefaults[ChatArgs]
	Deps *Deps
}

// Timeout bounds one batch of chats.
func (w *ChatWorker) Timeout(*river.Job[ChatArgs]) time.Duration { return pageTimeout }

// Work fetches and stores the chats with their members. A chat shared by
// conversations of several pages is fetched once per run.
func (w *ChatWorker) Work(ctx context.Context, job *river.Job[ChatArgs]) error {
	d := w.Deps
	ref := jobRef{source: job.Args.Source, runID: job.Args.RunID, row: job.JobRow}
	src, err := d.ready(ctx, ref.source)
	if err != nil {
		return err
	}
	todo, err := d.chatsToFetch(ctx, ref, job.Args.ChatIDs)
	if err != nil {
		return err
	}
	stats := &fetcher.RequestStats{}
	results := fetchAll(fetcher.WithStats(ctx, stats), todo, src.GetChat)
	var batch record.Batch
	var gone, transientIDs, deferred []string
	var transient []fetched[*record.Batch]
	var limited rateLimited
	for i, r := range results {
		switch {
		case fetcher.IsNotFound(r.err):
			gone = append(gone, todo[i])
		case refusedForGood(r.err):
			batch.Quarantined = append(batch.Quarantined, record.Quarantined{Stream: record.StreamChats, RecordID: todo[i], Error: r.err.Error()})
		case limited.add(r.err):
			deferred = append(deferred, todo[i])
		case r.err != nil:
			transient = append(transient, r)
			transientIDs = append(transientIDs, todo[i])
		default:
			batch.Merge(r.value)
		}
	}
	if !limited.deferrable(len(results), len(transient)) {
		if err := limited.err(); err != nil {
			return d.jobFailed(ctx, ref, stats, err)
		}
		if err := firstFailure(transient); err != nil {
			return d.jobFailed(ctx, ref, stats, fmt.Errorf("chats %v: %w", transientIDs, err))
		}
	}
	logQuarantined(d, ref, batch.Quarantined)
	_, err = commitPage(ctx, d, pageCommit[ChatArgs]{
		job: job, ref: ref, batch: &batch, stats: stats,
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			var next []river.InsertManyParams
			if len(deferred) > 0 {
				p := limited.followUp(ChatArgs{Source: ref.source, ChatIDs: deferred, RunID: ref.runID}, ref)
				next = append(next, p)
			}
			if len(gone) == 0 {
				return next, nil
			}
			return next, dbq.New(tx).MarkChatsDeleted(ctx, dbq.MarkChatsDeletedParams{Source: ref.source, Ids: gone})
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

// chatsToFetch leaves out the chats this run already fetched.
func (d *Deps) chatsToFetch(ctx context.Context, ref jobRef, ids []string) ([]string, error) {
	q := dbq.New(d.Pool)
	run, err := q.GetRun(ctx, ref.runID)
	if err != nil {
		if isNoRows(err) {
			return ids, nil
		}
		return nil, fmt.Errorf("read run: %w", err)
	}
	done, err := q.ChatsSyncedSince(ctx, dbq.ChatsSyncedSinceParams{Source: ref.source, Ids: ids, Since: run.StartedAt})
	if err != nil {
		return nil, fmt.Errorf("read chats synced in this run: %w", err)
	}
	skip := make(map[string]bool, len(done))
	for _, id := range done {
		skip[id] = true
	}
	out := ids[:0:0]
	for _, id := range ids {
		if !skip[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

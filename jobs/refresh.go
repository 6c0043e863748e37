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

// RefreshConversationArgs is a job that reads one conversation again, whole,
// because a webhook said it changed: the conversation, then every message
// (deletes included), its SLA tracker and chats. It belongs to no pass.
type RefreshConversationArgs struct {
	JobRun
	ConversationID string `json:"conversation_id"`
}

// Kind implements river.JobArgs.
func (RefreshConversationArgs) Kind() string { return "refresh_conversation" }

// QueueRefreshes queues a re-read of each conversation a webhook named,
// unless one is already waiting to start (it will see this change too): a
// burst of events on one conversation costs one re-read. Nothing is queued
// if it fails, so that the vendor delivers again.
func (d *Deps) QueueRefreshes(ctx context.Context, client *river.Client[pgx.Tx], source string, ids []string, eventAt time.Time) error {
	return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		fresh, err := dbq.New(tx).AddPendingRefreshes(ctx, dbq.AddPendingRefreshesParams{Source: source, ConversationIds: ids, EventAt: eventAt})
		if err != nil {
			return fmt.Errorf("record the conversations to read again: %w", err)
		}
		if len(fresh) == 0 {
			return nil
		}
		ref := jobRef{source: source, urgent: true}
		params := make([]river.InsertManyParams, len(fresh))
		for i, id := range fresh {
			params[i] = insertParams(RefreshConversationArgs{JobRun: ref.jobRun(), ConversationID: id}, ref)
			// Not unique in River's sense, which counts a running job: an
			// event while a re-read runs needs the next one.
			// pending_refreshes coalesces what waits.
			params[i].InsertOpts.UniqueOpts = river.UniqueOpts{}
		}
		if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("queue the re-reads: %w", err)
		}
		return nil
	})
}

// refreshConversation reads the conversation again and queues a complete
// read of its messages; one the vendor no longer has (404) is marked
// deleted.
func (d *Deps) refreshConversation(ctx context.Context, job *river.Job[RefreshConversationArgs]) error {
	ref, src, err := start(ctx, d, job)
	if err != nil {
		return err
	}
	// From here on, a new event needs a new re-read: this one may read
	// before the change.
	eventAt, err := dbq.New(d.Pool).TakePendingRefresh(ctx, dbq.TakePendingRefreshParams{Source: ref.source, ConversationID: job.Args.ConversationID})
	if err != nil && !isNoRows(err) { // none: a retry, whose event was taken
		return d.jobFailed(ctx, ref, nil, fmt.Errorf("take the pending re-read: %w", err))
	}
	return readConversation(ctx, d, job, ref, src, job.Args.ConversationID, true,
		func(page *fetcher.ConversationPage, written db.WriteResult) []river.InsertManyParams {
			return refreshChildren(ref, page, written, eventAt)
		})
}

// refreshChildren are a conversation's chat and SLA tracker jobs, and a
// complete read of its messages whether or not its modification time moved:
// a deleted comment does not always move it.
func refreshChildren(ref jobRef, page *fetcher.ConversationPage, written db.WriteResult, eventAt time.Time) []river.InsertManyParams {
	behind := written
	behind.Conversations = nil
	next := childJobs(ref, page, behind)
	var targets []MessageTarget
	for _, c := range page.Batch.Conversations {
		t := messageTarget(c.ID, c.ModifiedAt)
		t.EventAt = eventAt
		targets = append(targets, t)
	}
	next = append(next, messageJobs(ref, targets)...)
	for i := range next {
		// Not unique in River's sense, which counts a running job: a read of
		// the same chat, tracker or messages at work may have fetched before
		// the change this re-read was told of.
		next[i].InsertOpts.UniqueOpts = river.UniqueOpts{}
	}
	return next
}

// observeWebhookLag reports, for each finished read a webhook asked for,
// the time from the change to now (its commit).
func (d *Deps) observeWebhookLag(source string, finished []finishedRead) {
	if d.Observer == nil {
		return
	}
	for _, f := range finished {
		if !f.target.EventAt.IsZero() {
			d.Observer.ObserveWebhookLag(source, time.Since(f.target.EventAt))
		}
	}
}

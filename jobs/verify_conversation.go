package jobs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// VerifyConversationArgs is a job that fetches one conversation by id: to
// confirm a delete a sweep suspects (404 marks it deleted; anything else
// stores it), or to retry a conversation in quarantine.
type VerifyConversationArgs struct {
	Source         string `json:"source" river:"unique"`
	ConversationID string `json:"conversation_id" river:"unique"`
	RunID          int64  `json:"run_id"`
}

// Kind implements river.JobArgs.
func (VerifyConversationArgs) Kind() string { return "verify_conversation" }

func (a VerifyConversationArgs) sourceRun() (string, int64) { return a.Source, a.RunID }

func (a VerifyConversationArgs) uniqueKey() string { return a.Source + "\x00" + a.ConversationID }

// verifyConversation fetches the conversation and stores it, or marks it deleted.
func (d *Deps) verifyConversation(ctx context.Context, job *river.Job[VerifyConversationArgs]) error {
	ref, src, err := start(ctx, d, job)
	if err != nil {
		return err
	}
	return readConversation(ctx, d, job, ref, src, job.Args.ConversationID, false,
		func(page *fetcher.ConversationPage, written db.WriteResult) []river.InsertManyParams {
			return childJobs(ref, page, written)
		})
}

// readConversation reads one conversation by id and stores it with the jobs
// children lists for it, completing job in the same transaction; one the
// vendor no longer has (404) is marked deleted. hinted says a webhook named
// it: one the vendor refuses to this token (a 401 or 403 of that record)
// and the mirror does not hold is then none of the mirror's business (an
// account's webhook names every inbox's conversations, an agent's token
// reads its own inboxes only), and the job ends without quarantining it.
func readConversation[A river.JobArgs](ctx context.Context, d *Deps, job *river.Job[A], ref jobRef, src fetcher.Source, id string,
	hinted bool, children func(page *fetcher.ConversationPage, written db.WriteResult) []river.InsertManyParams,
) error {
	stats := &fetcher.RequestStats{}
	page, err := src.GetConversation(fetcher.WithStats(ctx, stats), id)
	switch {
	case fetcher.IsNotFound(err):
		return markGone(ctx, d, job, ref, stats, id)
	case refusedForGood(err):
		page = &fetcher.ConversationPage{}
		ignored, lookupErr := d.refusedHintIgnored(ctx, ref, id, hinted, err)
		if lookupErr != nil {
			return d.jobFailed(ctx, ref, stats, lookupErr)
		}
		if !ignored {
			// Refused alone (a 4xx; a 401 or 403 of this record, not of
			// the token): kept in quarantine with its error, which a
			// later pass tries again, rather than failing the pass it
			// serves.
			page.Batch.Quarantined = []record.Quarantined{{Stream: record.StreamConversations, RecordID: id, Error: err.Error()}}
			logQuarantined(d, ref, page.Batch.Quarantined)
		}
	case err != nil:
		return d.jobFailed(ctx, ref, stats, err)
	}
	if _, err := commitPage(ctx, d, pageCommit[A]{
		job: job, ref: ref, batch: &page.Batch, stats: stats,
		stepFunc: func(_ context.Context, _ pgx.Tx, written db.WriteResult) ([]river.InsertManyParams, error) {
			return children(page, written), nil
		},
	}); err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	return nil
}

// refusedHintIgnored reports, and logs, that a read refused (refusal) is
// ignored rather than quarantined: a webhook's (hinted), refused to this
// token (a 401 or 403 of the conversation), of a conversation the mirror
// does not hold live.
func (d *Deps) refusedHintIgnored(ctx context.Context, ref jobRef, id string, hinted bool, refusal error) (bool, error) {
	if !hinted || !fetcher.IsRefusal(refusal) {
		return false, nil
	}
	held, err := dbq.New(d.Pool).ConversationModifiedAt(ctx, dbq.ConversationModifiedAtParams{Source: ref.source, Ids: []string{id}})
	if err != nil {
		return false, fmt.Errorf("look up conversation %s: %w", id, err)
	}
	if len(held) > 0 {
		return false, nil
	}
	d.Logger.Info().Str("source", ref.source).Str("conversation_id", id).Err(refusal).
		Msg("a webhook named a conversation the mirror does not hold and the API refuses to this token; ignored")
	return true, nil
}

// markGone soft-deletes a conversation the vendor no longer has, with its
// messages, completing job in the same transaction.
func markGone[A river.JobArgs](ctx context.Context, d *Deps, job *river.Job[A], ref jobRef, stats *fetcher.RequestStats, id string) error {
	_, err := commitPage(ctx, d, pageCommit[A]{
		job: job, ref: ref, stats: stats,
		// After any read of its messages ending at once, which would
		// otherwise record the read after the delete cleared such records.
		lockFunc: func(ctx context.Context, q *dbq.Queries) error {
			return lockReadEnds(ctx, q, ref.source, []string{id})
		},
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			return nil, dbq.New(tx).MarkConversationsDeleted(ctx, dbq.MarkConversationsDeletedParams{Source: ref.source, Ids: []string{id}})
		},
	})
	if err != nil {
		return d.jobFailed(ctx, ref, stats, err)
	}
	d.Logger.Info().Str("source", ref.source).Str("conversation_id", id).Msg("conversation gone at the source; marked deleted")
	return nil
}

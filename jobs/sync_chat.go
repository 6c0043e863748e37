package jobs

import (
	"context"
	"fmt"
	"slices"

	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// ChatArgs is a job that syncs the chats a page of conversations references.
type ChatArgs struct {
	JobRun
	ChatIDs []string `json:"chat_ids"`
}

// Kind implements river.JobArgs.
func (ChatArgs) Kind() string { return "sync_chats" }

// chatsPerJob is how many chats one job fetches at most: a page's worth, so
// that a job of thousands (the quarantined chats a pass retries) does not
// outlast its timeout.
const chatsPerJob = 100

// chatJobs splits ids into batch jobs.
func chatJobs(ref jobRef, ids []string) []river.InsertManyParams {
	var out []river.InsertManyParams
	for batch := range slices.Chunk(ids, chatsPerJob) {
		out = append(out, insertParams(ChatArgs{JobRun: ref.jobRun(), ChatIDs: batch}, ref))
	}
	return out
}

// syncChats fetches and stores the chats with their members. A chat shared by
// conversations of several pages is fetched once per run.
func (d *Deps) syncChats(ctx context.Context, job *river.Job[ChatArgs]) error {
	ref, getter, err := startBatch[fetcher.ChatGetter](ctx, d, job, "chats")
	if err != nil {
		return err
	}
	todo, err := d.chatsToFetch(ctx, ref, job.Args.ChatIDs)
	if err != nil {
		return err
	}
	var gone []string
	return runBatch(ctx, d, job, ref, todo, batchJob[string, *record.Batch]{
		fetch: func(ctx context.Context, id string) (*record.Batch, error) {
			b, err := getter.GetChat(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("chat %s: %w", id, err)
			}
			return b, nil
		},
		land: func(b *record.Batch, _ string, read *record.Batch) { b.Merge(read) },
		gone: func(_ *record.Batch, id string) { gone = append(gone, id) },
		quarantine: func(id string, err error) record.Quarantined {
			return record.Quarantined{Stream: record.StreamChats, RecordID: id, Error: err.Error()}
		},
		step: func(ctx context.Context, q *dbq.Queries, _ db.WriteResult) ([]river.InsertManyParams, error) {
			if len(gone) == 0 {
				return nil, nil
			}
			return nil, q.MarkChatsDeleted(ctx, dbq.MarkChatsDeletedParams{Source: ref.source, Ids: gone})
		},
		followUp: func(ids []string) river.JobArgs { return ChatArgs{JobRun: ref.jobRun(), ChatIDs: ids} },
	})
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

package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// messagesPerJob is how many conversations one messages job reads. Batching
// is what makes a backfill fast: one job and one transaction carry the pages
// of many conversations, instead of a job's fixed cost per conversation.
// 100 rather than 50 halves the messages jobs (River's inserts, fetches and
// completions) and their COPYs: in paired backfills of 20,000
// conversations, 0.87× the wall time and 0.91× PostgreSQL's CPU (medians),
// with the same peak RSS; a job holds its pages until it commits, so the
// memory bound is 16 jobs of this size.
const messagesPerJob = 100

// MessageTarget is one conversation whose messages a job reads, with its
// place in the listing. The cursors travel in the args: each job queues the
// next pages in the same transaction that stores these.
type MessageTarget struct {
	ConversationID string `json:"id"`
	// ForModifiedAt is the conversation's modification time this read was
	// started for; reaching the last page records it as synced.
	ForModifiedAt time.Time `json:"for,omitzero"`
	// Since is when this read of the whole history began: the database's
	// time when River handed over the job that read its first page, before
	// that page was fetched. Every message the read has seen was stored
	// (synced_at) after it, and a copy stored before it was fetched before
	// the read looked, so the last page can take the messages not stored
	// since for deleted. (Its first commit's time would not do: a message
	// created after the read looked, and stored by another job before that
	// commit, would be taken for deleted.) Zero before the first page
	// commits.
	Since  time.Time `json:"since,omitzero"`
	Cursor string    `json:"cursor,omitempty"`
	// EventAt is when the change a webhook announced happened, for the
	// read that answers it: its last page measures the lag.
	EventAt time.Time `json:"event_at,omitzero"`
	// Page counts the pages read so far, to stop a listing that never ends.
	Page int `json:"page,omitempty"`
	// Seen counts the messages the read's pages held so far: at its end,
	// more stored since it began says another read overtook it (see
	// MarkMessagesGone).
	Seen int `json:"seen,omitempty"`
	// Unreliable says a page of the read so far may have missed messages
	// that exist (a DevRev thread it could not read): its end takes none
	// for deleted, whatever its last page says.
	Unreliable bool `json:"unreliable,omitempty"`
	// Listed is the state the listing that inserted the conversation read,
	// whose history it left to this read (db.WriteOptions.LeaveNewHistory):
	// the read's first commit writes it, whatever the read's outcome.
	Listed *record.Observation `json:"listed,omitempty"`
}

// MessagesArgs is a job that syncs the next page of messages of a batch of
// conversations.
type MessagesArgs struct {
	JobRun
	Targets []MessageTarget `json:"targets"`
}

// Kind implements river.JobArgs.
func (MessagesArgs) Kind() string { return "sync_messages" }

// messageJobs splits targets into batch jobs.
func messageJobs(ref jobRef, targets []MessageTarget) []river.InsertManyParams {
	var out []river.InsertManyParams
	for batch := range slices.Chunk(targets, messagesPerJob) {
		out = append(out, insertParams(MessagesArgs{JobRun: ref.jobRun(), Targets: batch}, ref))
	}
	return out
}

// maxMessagePages stops a message listing whose cursor cycles: no real
// conversation has a million messages.
const maxMessagePages = 10000

// syncMessages fetches the next page of every target and commits them together. A
// conversation that is gone is checked with a get (which marks it deleted
// on a 404); one whose messages cannot be read for good is quarantined
// (and retried at the end of later passes).
func (d *Deps) syncMessages(ctx context.Context, job *river.Job[MessagesArgs]) (err error) {
	defer func() {
		if givesUp(job.JobRow, err) {
			d.settleGivenUp(ctx, job.Args)
		}
	}()
	ref, src, err := start(ctx, d, job)
	if err != nil {
		return err
	}
	var reads messageReads
	return runBatch(ctx, d, job, ref, job.Args.Targets, batchJob[MessageTarget, *fetcher.MessagePage]{
		// Whatever the reads' outcomes (a conversation refused, gone or
		// deferred by a rate limit included), the states listings handed
		// on are written.
		base: record.Batch{Observations: listedStates(job.Args.Targets)},
		fetch: func(ctx context.Context, t MessageTarget) (*fetcher.MessagePage, error) {
			return readMessages(ctx, src, t)
		},
		land: reads.land,
		gone: func(_ *record.Batch, t MessageTarget) { reads.gone = append(reads.gone, t.ConversationID) },
		quarantine: func(t MessageTarget, err error) record.Quarantined {
			return record.Quarantined{Stream: record.StreamMessages, RecordID: "conversation:" + t.ConversationID, ParentID: t.ConversationID, Error: err.Error()}
		},
		lock: func(ctx context.Context, q *dbq.Queries) error {
			if err := lockReadEnds(ctx, q, ref.source, finishedIDs(reads.finished)); err != nil {
				return err
			}
			// Before the batch's history asks what its timelines hold in
			// quarantine.
			return resolveEntriesGone(ctx, q, ref, reads.finished, fetchedAfter(job.JobRow))
		},
		step: func(ctx context.Context, q *dbq.Queries, _ db.WriteResult) ([]river.InsertManyParams, error) {
			return d.messagesStep(ctx, q, ref, fetchedAfter(job.JobRow), &reads)
		},
		followUp: func(targets []MessageTarget) river.JobArgs {
			return MessagesArgs{JobRun: ref.jobRun(), Targets: targets}
		},
	})
}

// listedStates are the states the listings handed to reads of targets.
func listedStates(targets []MessageTarget) []record.Observation {
	var out []record.Observation
	for _, t := range targets {
		if t.Listed != nil {
			o := *t.Listed
			o.ConversationID = t.ConversationID
			out = append(out, o)
		}
	}
	return out
}

// givesUp reports whether River will not run a job again after it ended
// with err: cancelled, or failed on its last attempt (a snooze costs none).
func givesUp(row *rivertype.JobRow, err error) bool {
	var cancelled *river.JobCancelError
	var snoozed *river.JobSnoozeError
	switch {
	case err == nil, errors.As(err, &snoozed):
		return false
	case errors.As(err, &cancelled):
		return true
	}
	return row.Attempt >= row.MaxAttempts
}

// settleGivenUp settles a messages job River gives up on (a refused token,
// attempts spent), in one short transaction:
//   - it writes the states that listings handed to the job: nothing else
//     holds them, and their history would otherwise start at their next
//     change;
//   - the reads it gave up leave their conversations behind
//     (MarkReadsCutOff), so that a later pass reads them again: one cut off
//     after it stored pages may have stored copies older than what another
//     read saw, and one given up before its first page was asked for by
//     something the conversation's modification time may not show (a
//     webhook, a read that another overtook, the recheck of open ones).
func (d *Deps) settleGivenUp(ctx context.Context, args MessagesArgs) {
	b := record.Batch{Observations: listedStates(args.Targets)}
	cut := make([]string, 0, len(args.Targets))
	for _, t := range args.Targets {
		cut = append(cut, t.ConversationID)
	}
	if len(cut) == 0 {
		return // no target: nothing was asked, nothing to settle
	}
	// The job's own context may be at its end; this is one short write.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		if len(b.Observations) > 0 {
			if _, err := db.WriteBatch(ctx, tx, args.Source, &b, db.WriteOptions{}); err != nil {
				return err
			}
		}
		return dbq.New(tx).MarkReadsCutOff(ctx, dbq.MarkReadsCutOffParams{Source: args.Source, Ids: cut})
	})
	if err != nil {
		d.Logger.Warn().Err(err).Str("source", args.Source).Int("conversations", len(args.Targets)).
			Msg("could not settle a messages job given up: the history of the conversations it was handed starts at their next change, and those it read in part may keep stale copies until their next read")
	}
}

// readMessages reads a target's next page, refusing a listing that does not
// advance.
func readMessages(ctx context.Context, src fetcher.Source, t MessageTarget) (*fetcher.MessagePage, error) {
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
}

// messageReads sorts the reads of a messages job that went somewhere.
type messageReads struct {
	// gone are conversations that answered 404.
	gone []string
	// finished are reads that reached their last page; more go on.
	finished []finishedRead
	more     []MessageTarget
}

// finishedRead is a read that reached its last page.
type finishedRead struct {
	target MessageTarget
	last   *fetcher.MessagePage
}

func (r *messageReads) land(b *record.Batch, t MessageTarget, page *fetcher.MessagePage) {
	b.Merge(&page.Batch)
	t.Seen += distinctMessages(page.Batch.Messages)
	t.Unreliable = t.Unreliable || page.Unreliable
	if page.NextCursor == "" {
		r.finished = append(r.finished, finishedRead{target: t, last: page})
		return
	}
	// This commit writes what the listing observed; the next pages need not.
	t.Cursor, t.Page, t.Listed = page.NextCursor, t.Page+1, nil
	r.more = append(r.more, t)
}

// distinctMessages counts the messages of a page, each once.
func distinctMessages(msgs []record.Message) int {
	ids := make(map[string]struct{}, len(msgs))
	for _, m := range msgs {
		ids[m.ID] = struct{}{}
	}
	return len(ids)
}

// step runs in the transaction that stores the fetched pages: it takes what
// finished reads did not see for deleted, records them as read, and lists
// the jobs that follow. began is when the job began, before it fetched
// anything (fetchedAfter): when the reads it starts begin.
func (d *Deps) messagesStep(ctx context.Context, q *dbq.Queries, ref jobRef, began time.Time, reads *messageReads) ([]river.InsertManyParams, error) {
	if began.IsZero() {
		// A later time (this transaction's) would take for deleted what
		// another read stored meanwhile; River sets it for every job it
		// runs, so this does not happen.
		return nil, errors.New("the job's start is unknown: River did not say when it began")
	}
	overtaken, err := d.reconcileMessages(ctx, q, ref, reads.finished, began)
	if err != nil {
		return nil, err
	}
	if err := markRead(ctx, q, ref, reads.finished); err != nil {
		return nil, err
	}
	d.observeWebhookLag(ref.source, reads.finished)
	var next []river.InsertManyParams
	for _, id := range reads.gone {
		next = append(next, insertParams(VerifyConversationArgs{Source: ref.source, ConversationID: id, RunID: ref.runID}, ref))
	}
	if len(reads.more) > 0 {
		// A copy: a transaction tried again starts from the reads as
		// fetched.
		more := slices.Clone(reads.more)
		for i := range more {
			if more[i].Since.IsZero() {
				more[i].Since = began // the reads that began with this job
			}
		}
		next = append(next, insertParams(MessagesArgs{JobRun: ref.jobRun(), Targets: more}, ref))
	}
	if len(overtaken) > 0 {
		next = append(next, insertParams(MessagesArgs{JobRun: ref.jobRun(), Targets: overtaken}, ref))
	}
	return next, nil
}

// lockReadEnds makes this commit, which ends the reads of conversations ids
// (or deletes them), wait for any other ending a read of one of them (see
// LockReadEnds): otherwise two that end at once each look for the other's
// end before either has committed, and neither reads the conversation again.
func lockReadEnds(ctx context.Context, q *dbq.Queries, source string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := q.LockReadEnds(ctx, dbq.LockReadEndsParams{Source: source, Ids: ids}); err != nil {
		return fmt.Errorf("wait for other reads of %d conversations to end: %w", len(ids), err)
	}
	return nil
}

// finishedIDs are the conversations of the finished reads.
func finishedIDs(finished []finishedRead) []string {
	ids := make([]string, len(finished))
	for i, f := range finished {
		ids[i] = f.target.ConversationID
	}
	return ids
}

// reconcile takes the messages each finished read did not see for deleted,
// when the read covered them: a read cut off midway never gets here, and
// one that could not reach the conversation's start covers only what it
// read. One statement takes them for all the job's reads. It returns the
// reads to start again: those another read overtook (see MarkMessagesGone)
// or ended during (see ReadsEndedSince), the latter whether or not they
// reconcile: one that does not may still have stored a copy older than what
// the other stored (a message without a modification time, as Chatwoot's,
// is not known to be older).
func (d *Deps) reconcileMessages(ctx context.Context, q *dbq.Queries, ref jobRef, finished []finishedRead, began time.Time) ([]MessageTarget, error) {
	all, reconciling := goneReads(finished, began)
	modifiedFor := map[string]time.Time{}
	for _, f := range finished {
		modifiedFor[f.target.ConversationID] = f.target.ForModifiedAt
	}
	overtaken, err := d.markMessagesGone(ctx, q, ref, reconciling)
	if err != nil {
		return nil, err
	}
	ended, err := readsEndedDuring(ctx, q, ref, all)
	if err != nil {
		return nil, err
	}
	var again []MessageTarget
	for _, id := range uniqueStrings(append(overtaken, ended...)) {
		again = append(again, messageTarget(id, modifiedFor[id]))
		d.Logger.Info().Str("source", ref.source).Str("conversation_id", id).
			Msg("another read of the conversation stored or ended while this one ran; reading it again")
	}
	return again, nil
}

// goneReads are the finished reads as the queries take them: all of them,
// and those that may take what they did not see for deleted. began is when
// this job began, the start of a read that was its one page.
func goneReads(finished []finishedRead, began time.Time) (all, reconciling []goneRead) {
	for _, f := range finished {
		r := goneRead{ConversationID: f.target.ConversationID, ReadSince: cmp.Or(f.target.Since, began), Seen: f.target.Seen}
		all = append(all, r)
		if from, ok := f.last.Reconciles(); ok && !f.target.Unreliable {
			r.CoveredFrom = from
			reconciling = append(reconciling, r)
		}
	}
	return all, reconciling
}

// resolveEntriesGone takes out of the quarantine the timeline records that
// the finished whole reads no longer saw (see ResolveEntriesGone).
func resolveEntriesGone(ctx context.Context, q *dbq.Queries, ref jobRef, finished []finishedRead, began time.Time) error {
	_, reconciling := goneReads(finished, began)
	_, err := queryReads(reconciling, "settle the quarantined entries the reads no longer saw",
		func(doc []byte) (struct{}, error) {
			return struct{}{}, q.ResolveEntriesGone(ctx, dbq.ResolveEntriesGoneParams{Source: ref.source, Reads: doc})
		})
	return err
}

// readsEndedDuring returns the conversations of reads that another read
// ended during (see ReadsEndedSince). It runs before this job's reads
// record their own end (markRead).
func readsEndedDuring(ctx context.Context, q *dbq.Queries, ref jobRef, reads []goneRead) ([]string, error) {
	return queryReads(reads, "find the reads another read ended during", func(doc []byte) ([]string, error) {
		return q.ReadsEndedSince(ctx, dbq.ReadsEndedSinceParams{Source: ref.source, Reads: doc})
	})
}

// queryReads runs query with reads as the queries take them, a JSON
// recordset, and names what it did in its error; with no read it runs
// nothing.
func queryReads[T any](reads []goneRead, what string, query func(doc []byte) (T, error)) (T, error) {
	var zero T
	if len(reads) == 0 {
		return zero, nil
	}
	doc, err := json.Marshal(reads)
	if err != nil {
		return zero, fmt.Errorf("encode finished reads: %w", err)
	}
	out, err := query(doc)
	if err != nil {
		return zero, fmt.Errorf("%s (reads of %d conversations): %w", what, len(reads), err)
	}
	return out, nil
}

// markMessagesGone takes for deleted the messages the reads did not see
// (see MarkMessagesGone), and returns the conversations whose read another
// overtook.
func (d *Deps) markMessagesGone(ctx context.Context, q *dbq.Queries, ref jobRef, reads []goneRead) ([]string, error) {
	rows, err := queryReads(reads, "mark the messages gone at the source", func(doc []byte) ([]dbq.MarkMessagesGoneRow, error) {
		return q.MarkMessagesGone(ctx, dbq.MarkMessagesGoneParams{Source: ref.source, Reads: doc})
	})
	if err != nil {
		return nil, err
	}
	var overtaken []string
	for _, r := range rows {
		if len(r.GoneIds) > 0 {
			d.Logger.Info().Str("source", ref.source).Str("conversation_id", r.ConversationID).
				Int("messages", len(r.GoneIds)).Msg("messages gone at the source marked deleted")
		}
		if r.Overtaken {
			overtaken = append(overtaken, r.ConversationID)
		}
	}
	return overtaken, nil
}

// goneRead is a finished read as MarkMessagesGone takes it; a zero
// CoveredFrom (omitted, so NULL) covers the whole history.
type goneRead struct {
	ConversationID string    `json:"conversation_id"`
	ReadSince      time.Time `json:"read_since"`
	CoveredFrom    time.Time `json:"covered_from,omitzero"`
	Seen           int       `json:"seen"`
}

// markRead records the finished reads' conversations as read for their
// modification times, and takes a conversation whose messages were
// quarantined as a whole out of quarantine.
func markRead(ctx context.Context, q *dbq.Queries, ref jobRef, finished []finishedRead) error {
	if len(finished) == 0 {
		return nil
	}
	var synced []syncedFor
	var untimed []string
	ids := make([]string, len(finished))
	for i, f := range finished {
		if f.target.ForModifiedAt.IsZero() {
			untimed = append(untimed, f.target.ConversationID)
		} else {
			synced = append(synced, syncedFor{ID: f.target.ConversationID, SyncedFor: f.target.ForModifiedAt})
		}
		ids[i] = "conversation:" + f.target.ConversationID
	}
	if len(synced) > 0 {
		rows, err := json.Marshal(synced)
		if err != nil {
			return fmt.Errorf("encode synced conversations: %w", err)
		}
		if err := q.MarkMessagesSyncedMany(ctx, dbq.MarkMessagesSyncedManyParams{Source: ref.source, Rows: rows}); err != nil {
			return fmt.Errorf("mark messages synced: %w", err)
		}
	}
	if len(untimed) > 0 {
		if err := q.MarkReadsEnded(ctx, dbq.MarkReadsEndedParams{Source: ref.source, Ids: untimed}); err != nil {
			return fmt.Errorf("mark the ends of %d reads: %w", len(untimed), err)
		}
	}
	if err := q.ResolveQuarantined(ctx, dbq.ResolveQuarantinedParams{Source: ref.source, Stream: record.StreamMessages, RecordIds: ids}); err != nil {
		return fmt.Errorf("resolve quarantined conversations: %w", err)
	}
	return nil
}

// syncedFor is a conversation whose messages were read to the end.
type syncedFor struct {
	ID        string    `json:"id"`
	SyncedFor time.Time `json:"synced_for"`
}

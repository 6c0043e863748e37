package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// ConversationsArgs is a job that syncs the next page of a source's
// conversations. The page's cursor lives in sync_state, not in the args, so
// at most one such job exists per source.
type ConversationsArgs struct {
	Source string `json:"source" river:"unique"`
	RunID  int64  `json:"run_id"`
}

// Kind implements river.JobArgs.
func (ConversationsArgs) Kind() string { return "sync_conversations" }

func (a ConversationsArgs) sourceRun() (string, int64) { return a.Source, a.RunID }

func (a ConversationsArgs) uniqueKey() string { return a.Source }

// recoveryBatch caps how many leftover conversations one pass's last page
// re-queues for their messages; the next pass takes the rest. The recheck of
// open conversations reads them all, in pages of this size.
const recoveryBatch = 5000

// syncConversations fetches and commits one page of the pass in flight.
func (d *Deps) syncConversations(ctx context.Context, job *river.Job[ConversationsArgs]) error {
	ref, src, err := start(ctx, d, job)
	if err != nil {
		return err
	}
	state, err := dbq.New(d.Pool).GetSyncState(ctx, dbq.GetSyncStateParams{Source: ref.source, Stream: StreamConversations})
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("read sync state: %w", err)
	}
	if state.RunID == nil || *state.RunID != ref.runID {
		// The pass this job belonged to is over (or was replaced).
		return d.handOverListing(ctx, job)
	}
	fetch := func(cursor *string) fetchedPage { return listPage(ctx, src, state, cursor) }

	// The job works through up to pagesPerJob pages, fetching the next page
	// while the current one commits: the listing is a chain of cursors, so
	// this overlap is what speeds up a long backfill. Every page still
	// commits its rows and the cursor together; only the last one completes
	// the job and queues the next. A failure midway leaves the committed
	// pages done, and the retry goes on from the cursor in sync_state.
	cur := fetch(state.Cursor)
	for n := 1; ; n++ {
		if cur.err != nil {
			return d.jobFailed(ctx, ref, cur.stats, cur.err)
		}
		last := cur.page.NextCursor == "" || n == pagesPerJob || !timeForAnotherPage(ctx)
		var prefetch chan fetchedPage
		if !last {
			prefetch = make(chan fetchedPage, 1)
			next := cur.page.NextCursor
			go func() { prefetch <- fetch(&next) }()
		}
		committed, err := d.commitListed(ctx, job, ref, state, listsEveryOpen(src), cur, last)
		if !committed || last {
			if prefetch != nil {
				<-prefetch
			}
			return err
		}
		cur = <-prefetch
	}
}

// commitListed commits one listed page, with the cursor after it; last says
// whether the job ends with it. It reports whether the page committed; the
// job stops with the error if not. A pass that moved on without this worker
// (another ran the job too, this process being slow enough to be taken for
// dead) carries the pass: nothing of this page was written, and that is no
// failure.
func (d *Deps) commitListed(ctx context.Context, job *river.Job[ConversationsArgs], ref jobRef,
	state dbq.SyncState, everyOpen bool, cur fetchedPage, last bool,
) (bool, error) {
	page := cur.page
	written, err := commitPage(ctx, d, pageCommit[ConversationsArgs]{
		job: job, ref: ref, batch: &page.Batch, stats: cur.stats, keepJob: !last,
		write: db.WriteOptions{LeaveNewHistory: true},
		stepFunc: func(ctx context.Context, tx pgx.Tx, written db.WriteResult) ([]river.InsertManyParams, error) {
			return d.conversationsStep(ctx, tx, ref, state, everyOpen, cur.readAt, page, written, !last)
		},
	})
	if errors.Is(err, errPassMoved) {
		d.Logger.Warn().Str("source", ref.source).Int64("job_id", job.ID).Msg("the pass moved on without this worker; stopping")
		return false, d.handOverListing(ctx, job)
	}
	if err != nil {
		return false, d.jobFailed(ctx, ref, cur.stats, err)
	}
	d.Logger.Debug().Str("source", ref.source).Str("stream", StreamConversations).Int64("job_id", job.ID).
		Int("conversations", len(page.Batch.Conversations)).Int("rows", written.Rows).
		Int("quarantined", len(page.Batch.Quarantined)).Bool("last_page", page.NextCursor == "").Msg("page synced")
	return true, nil
}

// listPage fetches the page of the pass in flight at cursor (nil: the
// first page). A listing that hands back the cursor it was given would loop
// for ever: that fails the job for good.
func listPage(ctx context.Context, src fetcher.Source, state dbq.SyncState, cursor *string) fetchedPage {
	stats := &fetcher.RequestStats{}
	page, err := src.ListConversations(fetcher.WithStats(ctx, stats), fetcher.ConversationQuery{
		Cursor: deref(cursor), ModifiedSince: deref(state.PassSince), Thorough: state.PassThorough,
	})
	if err == nil && page.NextCursor != "" && page.NextCursor == deref(cursor) {
		err = permanent(fmt.Errorf("the conversation listing returned the cursor it was given (%q) and does not advance", deref(cursor)))
	}
	return fetchedPage{page: page, stats: stats, readAt: cursor, err: err}
}

// pagesPerJob is how many conversation pages one job works through.
const pagesPerJob = 20

// pageWorstCase is what one page of conversations may take at worst: a
// request with its inline retries (3 × 30 s), a short inline rate-limit
// wait, and its commit.
const pageWorstCase = 2 * time.Minute

// timeForAnotherPage reports whether the job's deadline leaves room for one
// more page at its worst: a slow vendor's job then ends with the pages it
// did and queues the next, instead of running out of time midway, which
// would cost it an attempt however many pages it had committed, and in the
// end the run.
func timeForAnotherPage(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > pageWorstCase
}

// fetchedPage is a page of conversations fetched, or the error instead.
type fetchedPage struct {
	page  *fetcher.ConversationPage
	stats *fetcher.RequestStats
	// readAt is the cursor the page was read at (nil: the first page).
	readAt *string
	err    error
}

// handOverListing completes a listing job whose pass is over, and queues the
// listing of the source's pass in flight, if another: a pass started while
// this job held the source's one listing slot (River's unique job) found it
// taken and queued nothing, and would wait for ever. The state is read
// under its row lock, which StartPass holds until it commits: a pass being
// started is seen started.
func (d *Deps) handOverListing(ctx context.Context, job *river.Job[ConversationsArgs]) error {
	source := job.Args.Source
	_, err := commitPageOnce(ctx, d, pageCommit[ConversationsArgs]{
		job: job, ref: jobRef{source: source, runID: job.Args.RunID},
		stepFunc: func(ctx context.Context, tx pgx.Tx, _ db.WriteResult) ([]river.InsertManyParams, error) {
			state, err := dbq.New(tx).GetSyncStateForUpdate(ctx, dbq.GetSyncStateForUpdateParams{Source: source, Stream: StreamConversations})
			if err != nil && !isNoRows(err) {
				return nil, fmt.Errorf("read sync state: %w", err)
			}
			if state.RunID == nil || *state.RunID == job.Args.RunID {
				return nil, nil
			}
			next := jobRef{source: source, runID: *state.RunID}
			return []river.InsertManyParams{insertParams(ConversationsArgs{Source: source, RunID: *state.RunID}, next)}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("hand the listing of source %s over: %w", source, err)
	}
	return nil
}

// errPassMoved says the pass's cursor is no longer the one a page was read
// at: another worker committed that page first.
var errPassMoved = errors.New("the pass moved on")

// step moves the pass past the page and lists the jobs that follow from it.
// continuing says this job goes on with the next page itself.
func (d *Deps) conversationsStep(ctx context.Context, tx pgx.Tx, ref jobRef, state dbq.SyncState, everyOpen bool, readAt *string, page *fetcher.ConversationPage, written db.WriteResult, continuing bool) ([]river.InsertManyParams, error) {
	q := dbq.New(tx)
	var pageMax *time.Time
	if !page.MaxModified.IsZero() {
		pageMax = &page.MaxModified
	}
	next := childJobs(ref, page, written)
	kind := PassKind(deref(state.PassKind))
	if kind == PassSweep || everyOpen {
		if err := q.MarkListed(ctx, dbq.MarkListedParams{Source: ref.source, Ids: listedIDs(page)}); err != nil {
			return nil, fmt.Errorf("mark listed: %w", err)
		}
	}
	if page.NextCursor == "" {
		end, err := d.finishPass(ctx, q, ref, state, everyOpen, readAt, pageMax)
		return append(next, end...), err
	}
	moved, err := q.AdvancePass(ctx, dbq.AdvancePassParams{
		Source: ref.source, Stream: StreamConversations, RunID: &ref.runID, Cursor: &page.NextCursor, PageMax: pageMax, ReadAt: readAt,
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("advance pass: %w", err)
	case moved == 0:
		return nil, errPassMoved
	case continuing:
		return next, nil
	}
	return append(next, insertParams(ConversationsArgs{Source: ref.source, RunID: ref.runID}, ref)), nil
}

// finishPass ends the pass at its last page: the watermark moves to the
// highest time seen in the whole pass, the run succeeds, and what the pass
// leaves behind is queued (see passEnd).
func (d *Deps) finishPass(ctx context.Context, q *dbq.Queries, ref jobRef, state dbq.SyncState, everyOpen bool, readAt *string, pageMax *time.Time) ([]river.InsertManyParams, error) {
	finished, err := q.FinishPass(ctx, dbq.FinishPassParams{Source: ref.source, Stream: StreamConversations, RunID: &ref.runID, PageMax: pageMax, ReadAt: readAt})
	if err != nil {
		return nil, fmt.Errorf("finish pass: %w", err)
	}
	if finished == 0 {
		return nil, errPassMoved
	}
	if err := q.FinishRun(ctx, dbq.FinishRunParams{ID: ref.runID, Status: "succeeded"}); err != nil {
		return nil, fmt.Errorf("finish run: %w", err)
	}
	run, err := q.GetRun(ctx, ref.runID)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	kind := PassKind(deref(state.PassKind))
	if d.Observer != nil {
		d.Observer.ObservePass(ref.source, string(kind), time.Since(run.StartedAt))
	}
	end := &passEnd{q: q, ref: ref, started: run.StartedAt}
	steps := []func(context.Context) error{end.behindOnMessages, end.quarantine}
	if kind == PassIncremental && everyOpen {
		steps = append(steps, end.openNotListed)
	}
	if kind == PassSweep {
		steps = append(steps, end.notSwept)
	}
	if state.PassRecheckOpen {
		steps = append(steps, end.openToRecheck)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return append(end.next, messageJobs(ref, uniqueTargets(end.targets))...), nil
}

// messageTarget reads a conversation's messages, the whole history, for its
// modification time.
func messageTarget(id string, modifiedAt time.Time) MessageTarget {
	return MessageTarget{ConversationID: id, ForModifiedAt: modifiedAt}
}

// listsEveryOpen reports whether src's incremental listing shows every open
// conversation (see fetcher.OpenLister).
func listsEveryOpen(src fetcher.Source) bool {
	l, ok := src.(fetcher.OpenLister)
	return ok && l.ListsEveryOpenConversation()
}

// childJobs are the jobs that follow from a page of conversations: the
// messages of conversations whose history is behind (with the state of those
// whose conversation history the page left to that job), the chats they
// reference, and SLA trackers not embedded in them.
func childJobs(ref jobRef, page *fetcher.ConversationPage, written db.WriteResult) []river.InsertManyParams {
	var targets []MessageTarget
	for _, c := range written.Conversations {
		if c.MessagesBehind || c.HistoryLeft != nil {
			t := messageTarget(c.ID, c.ModifiedAt)
			t.Listed = c.HistoryLeft
			targets = append(targets, t)
		}
	}
	next := messageJobs(ref, targets)
	next = append(next, chatJobs(ref, uniqueStrings(page.ChatIDs))...)
	if len(page.SLATrackers) > 0 {
		next = append(next, insertParams(SLATrackerArgs{JobRun: ref.jobRun(), Trackers: page.SLATrackers}, ref))
	}
	return next
}

// listedIDs are the ids of every conversation a page showed, quarantined ones
// included: they exist at the source even if they could not be stored.
func listedIDs(page *fetcher.ConversationPage) []string {
	ids := make([]string, 0, len(page.Batch.Conversations)+len(page.Batch.Quarantined)+len(page.ListedIDs))
	ids = append(ids, page.ListedIDs...)
	for _, c := range page.Batch.Conversations {
		ids = append(ids, c.ID)
	}
	for _, q := range page.Batch.Quarantined {
		if q.Stream == record.StreamConversations {
			ids = append(ids, q.RecordID)
		}
	}
	return ids
}

// uniqueTargets keeps the first target of each conversation.
func uniqueTargets(targets []MessageTarget) []MessageTarget {
	seen := make(map[string]bool, len(targets))
	out := targets[:0:0]
	for _, t := range targets {
		if !seen[t.ConversationID] {
			seen[t.ConversationID] = true
			out = append(out, t)
		}
	}
	return out
}

func uniqueStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
)

// JobRun is the source and the pass (run) a job works for. Args embed it;
// their JSON keeps its fields at the top level.
type JobRun struct {
	Source string `json:"source"`
	RunID  int64  `json:"run_id"`
	// Urgent marks the work a webhook asked for: it goes before the
	// passes' jobs in the source's queue.
	Urgent bool `json:"urgent,omitempty"`
}

func (r JobRun) sourceRun() (string, int64) { return r.Source, r.RunID }
func (r JobRun) isUrgent() bool             { return r.Urgent }

// jobRun is the run of the job ref names, for the jobs it queues.
func (r jobRef) jobRun() JobRun { return JobRun{Source: r.source, RunID: r.runID, Urgent: r.urgent} }

// jobRef is what error handling needs to know of the job that failed.
type jobRef struct {
	source string
	runID  int64
	row    *rivertype.JobRow
	urgent bool // the jobs it queues are urgent too
}

// jobFailed turns a failed job (a fetch or a write) into what River should do with the job:
//   - rate limited (refused with a 429, which paused the whole source, or
//     a spent budget): snooze, which costs no attempt;
//   - credentials refused: fail the run with a clear error, stop its pass and
//     cancel; retrying cannot help until an operator fixes the token;
//   - shutting down: snooze so the page runs again at once on next start;
//   - a batch job that waited too long for its turn to hold items (see
//     maxItemsWait): snooze, which costs no attempt;
//   - the database unreachable (an outage, a failover): snooze, which costs
//     no attempt, so the page is fetched and written again once it answers;
//   - refused for good (a 4xx, a listing that does not advance): fail the
//     run and cancel; a conversations page also drops its pass;
//   - anything else: retry with backoff, failing the run on the last attempt.
func (d *Deps) jobFailed(ctx context.Context, job jobRef, stats *fetcher.RequestStats, err error) error {
	// Bookkeeping below must survive a cancelled job context.
	bg := context.WithoutCancel(ctx)
	if stats == nil { // it failed before sending a request
		stats = &fetcher.RequestStats{}
	}
	if n := stats.RateLimited.Load(); n > 0 {
		d.runs.add(bg, d.Pool, d.Logger, job.runID, 0, 0, n)
	}

	var rateErr *fetcher.RateLimitedError
	switch {
	case errors.As(err, &rateErr):
		return d.snoozeRateLimited(job, rateErr)

	case fetcher.IsAuthError(err), job.row.Kind == (ConversationsArgs{}).Kind() && fetcher.IsRefusal(err):
		// A refusal of the listing itself is the token's, whatever the
		// vendor says of refusals of one record.
		msg := fmt.Sprintf("source %s: credentials refused (%v); fix its token and run again", job.source, err)
		d.failRun(bg, job, msg)
		d.abandonPass(bg, job, msg)
		d.Logger.Error().Str("source", job.source).Int64("job_id", job.row.ID).Str("kind", job.row.Kind).Msg(msg)
		return river.JobCancel(errors.New(msg))

	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return river.JobSnooze(0)

	case errors.Is(err, errWaitedForItems):
		return river.JobSnooze(0) // its turn to hold items never came: back in the queue

	case d.databaseDown(err):
		// The page's transaction was lost with its connection: nothing of
		// it was written. River records the snooze once the database
		// answers again; the outage itself is said once, not per job.
		return river.JobSnooze(time.Second)

	case isPermanent(err):
		// The vendor refused the request itself (a 4xx) or the listing is
		// broken: the same request would fail the same way.
		msg := fmt.Sprintf("%s job %d: %v", job.row.Kind, job.row.ID, err)
		d.failRun(bg, job, msg)
		if job.row.Kind == (ConversationsArgs{}).Kind() {
			// The pass cannot go on from its cursor: drop it, so that the
			// next pass starts afresh instead of resuming the same failure.
			d.abandonPass(bg, job, msg)
		}
		d.Logger.Error().Str("source", job.source).Int64("job_id", job.row.ID).Str("kind", job.row.Kind).Err(err).Msg("job failed for good")
		return river.JobCancel(err)
	}

	if job.row.Attempt >= job.row.MaxAttempts {
		d.failRun(bg, job, fmt.Sprintf("%s job %d failed after %d attempts: %v", job.row.Kind, job.row.ID, job.row.Attempt, err))
		return err
	}
	// River says this only at info, which production logs leave out: a
	// job that keeps failing would wait minutes between attempts unseen.
	d.Logger.Warn().Str("source", job.source).Int64("job_id", job.row.ID).Str("kind", job.row.Kind).
		Int("attempt", job.row.Attempt).Int("max_attempts", job.row.MaxAttempts).Err(err).Msg("job failed; River retries it with backoff")
	return err
}

// abandonPass drops the pass of job's run, with msg as its last error, so
// that the next pass starts afresh instead of resuming the same failure.
func (d *Deps) abandonPass(ctx context.Context, job jobRef, msg string) {
	err := dbq.New(d.Pool).AbandonPass(ctx, dbq.AbandonPassParams{Source: job.source, Stream: StreamConversations, RunID: &job.runID, LastError: &msg})
	if err != nil {
		d.Logger.Warn().Err(err).Str("source", job.source).Msg("abandon pass")
	}
}

// databaseDown reports whether err is the database's outage, and records
// it. A vendor API that does not answer fails with the same kinds of errors
// (a refused connection), wrapped as a fetcher.RetryableError: that one is
// the API's.
func (d *Deps) databaseDown(err error) bool {
	var api *fetcher.RetryableError
	return !errors.As(err, &api) && d.DB.Observe(err)
}

// settleDiscarded does for a job discarded as it was handed back (see
// Liveness.handBack) what its worker does for one River gives up on: the
// job's run fails, and a messages job's reads are settled (settleGivenUp).
func (d *Deps) settleDiscarded(ctx context.Context, job dbq.DiscardSpentJobsRow) {
	var meta jobMetadata
	if err := json.Unmarshal(job.Metadata, &meta); err != nil || meta.RunID == 0 {
		return // not a job of a run of syncer's
	}
	ref := jobRef{source: meta.Source, runID: meta.RunID, row: &rivertype.JobRow{ID: job.ID, Kind: job.Kind}}
	d.failRun(ctx, ref, fmt.Sprintf("%s job %d: its process died while running it, at every attempt it had", job.Kind, job.ID))
	if job.Kind != (MessagesArgs{}).Kind() {
		return
	}
	var args MessagesArgs
	if err := json.Unmarshal(job.Args, &args); err != nil {
		d.Logger.Warn().Err(err).Int64("job_id", job.ID).Msg("read the args of a messages job discarded")
		return
	}
	d.settleGivenUp(ctx, args)
}

// failRun marks the job's run failed with msg.
func (d *Deps) failRun(ctx context.Context, job jobRef, msg string) {
	if err := dbq.New(d.Pool).FailRun(ctx, dbq.FailRunParams{ID: job.runID, Error: &msg}); err != nil {
		d.Logger.Warn().Err(err).Int64("run_id", job.runID).Msg("record run failure")
	}
}

// pausedFor reports how long the source is paused after a rate limit seen by
// any worker in any process (zero when it is not).
func (d *Deps) pausedFor(ctx context.Context, source string) (time.Duration, error) {
	until, err := dbq.New(d.Pool).SourcePausedUntil(ctx, source)
	if err != nil {
		if isNoRows(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("read pause of source %s: %w", source, err)
	}
	return time.Until(until), nil
}

// permanentError is a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err: err} }

// isPermanent reports whether retrying err is pointless: a broken listing,
// or a 4xx other than a rate limit (those are handled before).
func isPermanent(err error) bool {
	var perm *permanentError
	var apiErr *fetcher.APIError
	return errors.As(err, &perm) || errors.As(err, &apiErr) || errors.Is(err, fetcher.ErrBrokenListing)
}

// snoozeRateLimited makes a rate-limited job wait, which costs it no
// attempt. A refusal already paused the source for every process (see
// PauseOnRefusal); a spent budget every process reads from its own answers.
func (d *Deps) snoozeRateLimited(job jobRef, rateErr *fetcher.RateLimitedError) error {
	ev := d.Logger.Debug()
	if rateErr.Refused {
		ev = d.Logger.Info()
	}
	ev.Str("source", job.source).Int64("job_id", job.row.ID).Str("kind", job.row.Kind).
		Dur("wait", rateErr.Wait).Bool("refused", rateErr.Refused).Msg("rate limited; snoozing")
	return river.JobSnooze(rateErr.Wait)
}

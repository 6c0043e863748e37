package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
)

// PassEvents hears how RunPasses goes, for a command to tell its user.
type PassEvents struct {
	// Waiting: another kind of pass of source was in flight; it is
	// finished before the one asked for starts.
	Waiting func(source string, inFlight PassKind)
	// Started: the pass of its source began, or was picked up.
	Started func(Pass)
	// Poll is called while the passes run, every poll interval.
	Poll func()
}

// RunPasses runs a pass of each source to completion with client (whose
// workers must be running) and reports how each ended. A pass already in
// flight is resumed; one of another kind (the daemon's incremental pass,
// when a backfill was asked for) is finished first, then the one asked for
// runs. It waits through a database outage for up to d.DB's grace.
func RunPasses(ctx context.Context, d *Deps, client *river.Client[pgx.Tx], sources []string, opts PassOptions, ev PassEvents) ([]Outcome, error) {
	started := time.Now()
	passes := make([]Pass, 0, len(sources))
	outcomes := make([]Outcome, 0, len(sources))
	for _, s := range sources {
		pass, err := d.startPassWaiting(ctx, client, s, opts, started, ev)
		var (
			unreachable *UnreachableError
			stuck       *waitedPassFailed
		)
		switch {
		case errors.As(err, &unreachable): // while it waited for the pass in flight
			outcomes = append(outcomes, Outcome{Source: s, Unreachable: unreachable})
			continue
		case errors.As(err, &stuck):
			outcomes = append(outcomes, stuck.outcome())
			continue
		}
		if err != nil {
			return nil, err
		}
		if ev.Started != nil {
			ev.Started(pass)
		}
		passes = append(passes, pass)
	}
	for _, p := range passes {
		out, err := d.waitSource(ctx, client, p.Source, started, d.pollReach(p.Source, ev))
		// A source that does not answer fails its pass; the others go on.
		// Its jobs stay queued: the next run resumes them.
		var unreachable *UnreachableError
		if errors.As(err, &unreachable) {
			out, err = Outcome{Source: p.Source, Unreachable: unreachable}, nil
		}
		if err == nil && out.OK() {
			err = d.DB.Retry(ctx, func(ctx context.Context) (err error) {
				out.Failures, err = d.passNotEnded(ctx, p, started)
				return err
			})
		}
		if err != nil {
			return outcomes, err
		}
		outcomes = append(outcomes, out)
	}
	return outcomes, nil
}

// passNotEnded says why pass p has not ended well though no job of its
// source is left, or nothing: the state still holds it (a job it needed was
// lost, absorbed by an older one say, and "done" would be a lie; running the
// same command again resumes it), or its run failed since the command
// started without a job of it failing for good (a failure an earlier command
// reported is not reported again).
func (d *Deps) passNotEnded(ctx context.Context, p Pass, started time.Time) ([]string, error) {
	state, run, err := d.passRecords(ctx, p)
	if err != nil {
		return nil, err
	}
	switch {
	case state.RunID != nil && *state.RunID == p.RunID:
		return []string{fmt.Sprintf("the %s pass (run %d) has no job left to carry it on; run the same command again to resume it", p.Kind, p.RunID)}, nil
	case run.Status == "failed" && run.FinishedAt != nil && !run.FinishedAt.Before(started):
		return []string{fmt.Sprintf("the %s pass (run %d) failed: %s", p.Kind, p.RunID, cmp.Or(deref(run.Error), "no error recorded"))}, nil
	}
	return nil, nil
}

// passRecords reads the source's pass state and pass p's run.
func (d *Deps) passRecords(ctx context.Context, p Pass) (dbq.SyncState, dbq.SyncRun, error) {
	q := dbq.New(d.Pool)
	state, err := q.GetSyncState(ctx, dbq.GetSyncStateParams{Source: p.Source, Stream: StreamConversations})
	if err != nil {
		return dbq.SyncState{}, dbq.SyncRun{}, fmt.Errorf("read the pass of %s: %w", p.Source, err)
	}
	run, err := q.GetRun(ctx, p.RunID)
	if err != nil {
		return dbq.SyncState{}, dbq.SyncRun{}, fmt.Errorf("read run %d of %s: %w", p.RunID, p.Source, err)
	}
	return state, run, nil
}

// startPassWaiting starts (or resumes) the pass of source asked for, after
// the pass in flight, if any, is over when it does not do what is asked
// (see Pass.covers): `sync`'s thorough pass waits for the daemon's cheap one.
func (d *Deps) startPassWaiting(ctx context.Context, client *river.Client[pgx.Tx], source string, opts PassOptions, started time.Time, ev PassEvents) (Pass, error) {
	var pass Pass
	start := func(ctx context.Context) (err error) {
		pass, err = StartPass(ctx, d, client, source, opts)
		return err
	}
	if err := d.DB.Retry(ctx, start); err != nil {
		return Pass{}, err
	}
	// Another pass may start between the wait and the next try (the
	// daemon's): it is judged as the first was.
	for !pass.covers(opts) {
		if ev.Waiting != nil {
			ev.Waiting(source, pass.Kind)
		}
		if _, err := d.waitSource(ctx, client, source, started, d.pollReach(source, ev)); err != nil {
			return Pass{}, err
		}
		// Judged before start picks the pass up again, which would queue
		// its listing anew and record its run running again.
		var stuck *waitedPassFailed
		err := d.DB.Retry(ctx, func(ctx context.Context) (err error) {
			stuck, err = d.failedInFlight(ctx, pass, started)
			return err
		})
		if err != nil {
			return Pass{}, err
		}
		if stuck != nil {
			return Pass{}, stuck
		}
		if err := d.DB.Retry(ctx, start); err != nil {
			return Pass{}, err
		}
	}
	return pass, nil
}

// failedInFlight reports the pass waited for as failed when, its jobs over,
// the state still holds it and its run failed since the command started:
// waiting for it again could wait for the same failure for ever. A pass
// that lost its listing job without failing since is not: picked up again,
// it goes on.
func (d *Deps) failedInFlight(ctx context.Context, waited Pass, started time.Time) (*waitedPassFailed, error) {
	state, run, err := d.passRecords(ctx, waited)
	if err != nil {
		return nil, err
	}
	if !stillFailing(waited, state, run, started) {
		return nil, nil
	}
	return &waitedPassFailed{pass: waited, failures: []string{cmp.Or(deref(run.Error), "no error recorded")}}, nil
}

// stillFailing reports whether the state still holds the pass waited for
// and its run failed since started (a run keeps the time of its first
// failure; one picked up again has none).
func stillFailing(waited Pass, state dbq.SyncState, run dbq.SyncRun, started time.Time) bool {
	return state.RunID != nil && *state.RunID == waited.RunID &&
		run.Status == "failed" && run.FinishedAt != nil && !run.FinishedAt.Before(started)
}

// waitedPassFailed is a pass in flight that the pass asked for waited for,
// and that failed without ending (see stillFailing).
type waitedPassFailed struct {
	pass     Pass
	failures []string
}

func (e *waitedPassFailed) Error() string {
	return fmt.Sprintf("%s: %s", e.pass.Source, strings.Join(e.outcome().Failures, "; "))
}

// outcome is the failure as the pass asked for reports it.
func (e *waitedPassFailed) outcome() Outcome {
	out := Outcome{Source: e.pass.Source}
	for _, f := range e.failures {
		out.Failures = append(out.Failures, fmt.Sprintf("the %s pass in flight (run %d), which had to end first, failed and stays in flight (the next run resumes it): %s",
			e.pass.Kind, e.pass.RunID, f))
	}
	return out
}

// pollReach is what waiting for a pass of source does at each poll: tell
// the command (its progress), and give up on a source whose API has not
// answered for too long (see checkReach).
func (d *Deps) pollReach(source string, ev PassEvents) func() error {
	return func() error {
		if ev.Poll != nil {
			ev.Poll()
		}
		return d.checkReach(source)
	}
}

// waitSource is WaitSource, waiting through a database outage.
func (d *Deps) waitSource(ctx context.Context, client *river.Client[pgx.Tx], source string, since time.Time, pollFunc func() error) (Outcome, error) {
	const poll = 250 * time.Millisecond
	var out Outcome
	err := d.DB.Retry(ctx, func(ctx context.Context) (err error) {
		out, err = WaitSource(ctx, client, source, since, poll, pollFunc)
		if err != nil && pollFunc != nil {
			_ = pollFunc() // so that the progress line can say what is wrong
		}
		return err
	})
	return out, err
}

// UnreachableError is a source whose API has not answered for longer than
// Timings.UnreachableTimeout: a foreground pass gives up on it.
type UnreachableError struct {
	Source string
	State  fetcher.ReachState
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s: cannot reach %s: %s; no answer since %s (%s), giving up", e.Source, e.State.URL, e.State.LastError,
		e.State.DownSince.Local().Format(time.TimeOnly), time.Since(e.State.DownSince).Round(time.Second))
}

// checkReach fails when source's API has not answered for longer than the
// timeout.
func (d *Deps) checkReach(source string) error {
	st := d.Reach[source].State()
	if d.Timings.UnreachableTimeout > 0 && !st.Up() && time.Since(st.DownSince) > d.Timings.UnreachableTimeout {
		return &UnreachableError{Source: source, State: st}
	}
	return nil
}

// Outcome is how a source's work ended.
type Outcome struct {
	Source string
	// Failures describe the jobs that failed for good.
	Failures []string
	// Unreachable is set when RunPasses gave up on a source whose API
	// did not answer; its jobs stay queued for the next run.
	Unreachable *UnreachableError
}

// OK reports whether every job succeeded.
func (o Outcome) OK() bool { return len(o.Failures) == 0 && o.Unreachable == nil }

// WaitSource blocks until source has no job left to work, whichever run
// queued it: jobs left over by a crashed process or an earlier run (which a
// new pass's identical jobs were deduplicated into) are part of bringing the
// mirror up to date. It then reports the jobs of source that failed for good
// since since. pollFunc, when set, is called at every poll; an error from it
// ends the wait with that error.
func WaitSource(ctx context.Context, client *river.Client[pgx.Tx], source string, since time.Time, poll time.Duration, pollFunc func() error) (Outcome, error) {
	meta, _ := json.Marshal(jobMetadata{Source: source})
	out := Outcome{Source: source}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	for {
		res, err := client.JobList(ctx, river.NewJobListParams().
			Metadata(string(meta)).
			States(activeStates...).
			First(1))
		if err != nil {
			return out, fmt.Errorf("list jobs of %s: %w", source, err)
		}
		if pollFunc != nil {
			if err := pollFunc(); err != nil {
				return out, err
			}
		}
		if len(res.Jobs) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-ticker.C:
		}
	}

	failed, err := client.JobList(ctx, river.NewJobListParams().
		Metadata(string(meta)).
		States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		OrderBy(river.JobListOrderByTime, river.SortOrderDesc).
		First(100))
	if err != nil {
		return out, fmt.Errorf("list failed jobs of %s: %w", source, err)
	}
	for _, j := range failed.Jobs {
		if j.FinalizedAt != nil && j.FinalizedAt.Before(since) {
			continue
		}
		out.Failures = append(out.Failures, describeFailure(j))
	}
	return out, nil
}

func describeFailure(j *rivertype.JobRow) string {
	msg := "no error recorded"
	if n := len(j.Errors); n > 0 {
		msg = j.Errors[n-1].Error
	}
	return fmt.Sprintf("%s job %d (%s): %s", j.Kind, j.ID, strings.TrimSpace(string(j.EncodedArgs)), msg)
}

package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
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
// runs.
func RunPasses(ctx context.Context, d *Deps, client *river.Client[pgx.Tx], sources []string, opts PassOptions, ev PassEvents) ([]Outcome, error) {
	const poll = 250 * time.Millisecond
	started := time.Now()
	passes := make([]Pass, 0, len(sources))
	for _, s := range sources {
		pass, err := StartPass(ctx, d, client, s, opts)
		if err != nil {
			return nil, err
		}
		if pass.Resumed && pass.Kind != opts.Kind && opts.Kind != PassIncremental {
			if ev.Waiting != nil {
				ev.Waiting(s, pass.Kind)
			}
			if _, err := WaitSource(ctx, client, s, started, poll, nil); err != nil {
				return nil, err
			}
			if pass, err = StartPass(ctx, d, client, s, opts); err != nil {
				return nil, err
			}
		}
		if ev.Started != nil {
			ev.Started(pass)
		}
		passes = append(passes, pass)
	}
	outcomes := make([]Outcome, 0, len(passes))
	for _, p := range passes {
		out, err := WaitSource(ctx, client, p.Source, started, poll, ev.Poll)
		if err != nil {
			return outcomes, err
		}
		outcomes = append(outcomes, out)
	}
	return outcomes, nil
}

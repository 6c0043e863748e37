package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/jobs"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// backfillCommand reads every source's whole history (or since a time), to
// completion; run again, it resumes.
func backfillCommand() command {
	var since string
	var sinceTime time.Time
	return passCommand(command{
		name:     "backfill",
		synopsis: "[--source NAME]... [--since TIME] [--workers 16]",
		summary:  "full history to completion; re-running resumes",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.StringVar(&since, "since", "", "only conversations modified since TIME (RFC 3339 or YYYY-MM-DD)")
		},
		check: func() (err error) {
			if since != "" {
				sinceTime, err = parseSince(since)
			}
			return err
		},
	}, func(a *app) jobs.PassOptions {
		return jobs.PassOptions{Kind: jobs.PassBackfill, Since: sinceTime, RecheckOpenAfter: a.cfg.OpenRecheckInterval}
	})
}

// syncCommand runs one incremental pass of every source to completion.
func syncCommand() command {
	var sweep, recheckOpen bool
	return passCommand(command{
		name:     "sync",
		synopsis: "[--source NAME]... [--sweep] [--recheck-open] [--workers 16]",
		summary:  "one incremental pass to completion, then exit;\n--sweep also marks conversations deleted at the\nsource; --recheck-open re-reads open\nconversations' messages now",
		check: func() error {
			if sweep && recheckOpen {
				return errors.New("--recheck-open goes with an incremental pass, not with --sweep")
			}
			return nil
		},
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.BoolVar(&sweep, "sweep", false, "list everything and mark conversations deleted at the source")
			fs.BoolVar(&recheckOpen, "recheck-open", false, "re-read the messages of every open conversation now, not only\nwhen the last re-read is older than SYNCER_OPEN_RECHECK_INTERVAL\n(not with --sweep)")
		},
	}, func(a *app) jobs.PassOptions {
		// A one-off sync is run to make the mirror exact now: every
		// change shows, even on sources whose cheap listing could miss
		// some.
		opts := jobs.PassOptions{Kind: jobs.PassIncremental, RecheckOpenAfter: a.cfg.OpenRecheckInterval, Thorough: true}
		if sweep {
			opts.Kind = jobs.PassSweep
		}
		if recheckOpen {
			opts.RecheckOpenAfter = 0
		}
		return opts
	})
}

// passCommand completes c, a command that runs a pass of the selected
// sources to completion: every such command takes --source and --workers;
// pass says, once the flags are parsed, which pass to run.
func passCommand(c command, pass func(a *app) jobs.PassOptions) command {
	var sources stringList
	c = c.withFlags(func(fs *flag.FlagSet, shared *config.Flags) {
		shared.RegisterWorkers(fs)
		fs.Var(&sources, "source", "source to sync (repeatable; default: every configured source)")
	})
	c.needs = openMirrorSource
	c.run = func(ctx context.Context, _ env, a *app) error { return runSelectedPasses(ctx, a, sources, pass(a)) }
	return c
}

// runSelectedPasses runs a pass of each selected source (every configured
// one when none is).
func runSelectedPasses(ctx context.Context, a *app, selected []string, opts jobs.PassOptions) error {
	if len(selected) == 0 {
		selected = a.cfg.SourceNames()
	}
	for _, s := range selected {
		if _, ok := a.cfg.SourceNamed(s); !ok {
			return usageError{fmt.Errorf("unknown source %q (configured: %s)", s, strings.Join(a.cfg.SourceNames(), ", "))}
		}
	}
	return runPasses(ctx, a, opts, selected)
}

// runPasses starts (or resumes) a pass of each source, works every job of
// those passes in this process, and reports how they ended.
func runPasses(ctx context.Context, a *app, opts jobs.PassOptions, sources []string) error {
	w, err := a.startWorkers(ctx, 0)
	if err != nil {
		return err
	}
	// On Ctrl-C the page in flight gets a few seconds to finish.
	defer w.stop(10 * time.Second)

	started := time.Now()
	// The printer is there from the start, and learns each pass as it
	// starts: one started after a wait for another pass must show too.
	progress := newProgressPrinter(a)
	outcomes, err := jobs.RunPasses(ctx, a.deps, w.client, sources, opts, jobs.PassEvents{
		Waiting: func(source string, inFlight jobs.PassKind) {
			fmt.Fprintf(a.stderr, "%s: a %s pass is in flight; finishing it before the %s\n", source, inFlight, opts.Kind)
		},
		Started: func(p jobs.Pass) {
			verb := "started"
			if p.Resumed {
				verb = "resumed (" + string(p.Kind) + " in flight)"
			}
			fmt.Fprintf(a.stderr, "%s: %s %s, run %d\n", p.Source, opts.Kind, verb, p.RunID)
			progress.add(p)
		},
		Poll: progress.maybePrint,
	})
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted: the page in flight was finished or abandoned; run the same command again to resume")
		}
		return err
	}
	progress.print(true)
	var failures, unreachable []string
	for _, out := range outcomes {
		for _, f := range out.Failures {
			failures = append(failures, out.Source+": "+f)
		}
		if out.Unreachable != nil {
			unreachable = append(unreachable, out.Unreachable.Error())
		}
	}
	if len(unreachable) > 0 {
		// Its jobs stay queued: nothing is lost by giving up.
		return fmt.Errorf("%s; run the same command again once it answers", strings.Join(unreachable, "; "))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d failure(s):\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	fmt.Fprintf(a.stderr, "done in %s\n", time.Since(started).Round(time.Millisecond))
	return nil
}

// progressPrinter shows each pass's progress on stderr: lines redrawn in
// place on a terminal, plain lines every few seconds otherwise (logs, CI).
type progressPrinter struct {
	a        *app
	passes   []jobs.Pass
	terminal bool
	mu       sync.Mutex
	last     time.Time
	drawn    int      // lines drawn last time, to redraw over them
	said     []string // the lines written last time
	saidDown time.Time
}

func newProgressPrinter(a *app) *progressPrinter {
	return &progressPrinter{a: a, terminal: isTerminal(a.stderr), last: time.Now()}
}

// add shows pass from the next lines on.
func (p *progressPrinter) add(pass jobs.Pass) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.passes = append(p.passes, pass)
}

func (p *progressPrinter) maybePrint() { p.print(false) }

func (p *progressPrinter) print(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	every := 2 * time.Second
	if p.terminal {
		every = 250 * time.Millisecond
	}
	if !final && time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	if st := p.a.deps.DB.State(); !st.Up() {
		// Said once per outage; the lines resume when it is over.
		if !st.DownSince.Equal(p.saidDown) {
			fmt.Fprintf(p.a.stderr, "database unreachable since %s, retrying\n", st.DownSince.Local().Format(time.TimeOnly))
			p.saidDown, p.drawn, p.said = st.DownSince, 0, nil
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.a.deps.FlushProgress(ctx)
	q := dbq.New(p.a.pool)
	queued := map[string]int64{}
	if jobs, err := q.QueuedJobs(ctx); err == nil {
		for _, j := range jobs {
			queued[j.Source] += j.Jobs
		}
	}
	var lines []string
	for _, pass := range p.passes {
		run, err := q.GetRun(ctx, pass.RunID)
		if err != nil {
			continue
		}
		// A finished run's figures stay as they ended: the final lines
		// then say what the last periodic ones did, and are not repeated.
		elapsed := time.Since(run.StartedAt)
		if run.FinishedAt != nil {
			elapsed = run.FinishedAt.Sub(run.StartedAt)
		}
		rate := float64(run.Rows) / max(elapsed.Seconds(), 0.001)
		line := fmt.Sprintf("%s %s: %d pages, %d rows (%.0f rows/s), %d rate-limited, %d jobs queued, %s",
			pass.Source, pass.Kind, run.Pages, run.Rows, rate, run.RateLimited, queued[pass.Source], elapsed.Round(time.Second))
		if st := p.a.deps.Reach[pass.Source].State(); !st.Up() {
			// What is wrong, in the line the user is watching.
			line += fmt.Sprintf("; cannot reach %s: %s; retrying (%d failed)", st.URL, st.LastError, st.Failures)
		}
		lines = append(lines, line)
	}
	p.emit(lines)
}

// emit writes lines: over the last ones on a terminal; elsewhere after
// them, unless they say the same again (the last periodic lines and the
// final ones often do).
func (p *progressPrinter) emit(lines []string) {
	if !p.terminal && slices.Equal(lines, p.said) {
		return
	}
	if p.terminal && p.drawn > 0 {
		fmt.Fprintf(p.a.stderr, "\033[%dA", p.drawn) // back to the first line drawn
	}
	for _, l := range lines {
		if p.terminal {
			l = "\r\033[K" + l
		}
		fmt.Fprintln(p.a.stderr, l)
	}
	p.drawn, p.said = len(lines), lines
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want RFC 3339 (2024-01-31T00:00:00Z) or a date (2024-01-31)", s)
}

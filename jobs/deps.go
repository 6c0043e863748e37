package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
)

// Deps is what every worker needs. Build it with NewDeps.
type Deps struct {
	Pool *pgxpool.Pool
	// Sources are the configured sources by name.
	Sources map[string]fetcher.Source
	Logger  zerolog.Logger
	// Timings say how the passes go; see Timings.
	Timings Timings
	// Observer, when set, is told what the jobs did, for metrics.
	Observer Observer
	// Reach says, by source, whether its API answers (see WithReach).
	Reach map[string]*fetcher.Reach
	// DB says whether the database answers; work waits through an outage
	// for up to its grace (see WithDatabaseHealth).
	DB *db.Health

	// users remembers the users this process committed; runs counts what
	// its jobs did for each run, written now and then; statistics keeps the
	// planner's statistics of the mirror's tables from going missing.
	users      *UserCache
	runs       *runProgress
	statistics *plannerStatistics
	webhooks   *webhookActivity
	working    workingJobs
	// held caps what each source's batch jobs hold in memory (see
	// maxItemsHeld).
	held *heldItems
}

// Timings say how the passes go. They come from the configuration, which
// holds their defaults.
type Timings struct {
	// Overlap is how far before the watermark an incremental pass starts,
	// to catch records whose modification time was assigned late.
	Overlap time.Duration
	// OpenRecheckInterval is how often the daemon's incremental passes
	// re-read the messages of open conversations (see
	// PassOptions.RecheckOpenAfter; `sync` passes its own).
	OpenRecheckInterval time.Duration
	// SweepInterval is how often the daemon's pass is a sweep, which
	// detects conversations deleted at the source.
	SweepInterval time.Duration
	// WebhookRecheckInterval replaces OpenRecheckInterval for a source
	// whose webhooks arrive.
	WebhookRecheckInterval time.Duration
	// UnreachableTimeout is how long RunPasses (a foreground backfill or
	// sync) waits for a source whose API does not answer before it gives
	// up; zero waits as long as the jobs retry.
	UnreachableTimeout time.Duration
}

// NewDeps returns the workers' dependencies.
func NewDeps(pool *pgxpool.Pool, sources map[string]fetcher.Source, log zerolog.Logger, timings Timings, opts ...DepsOption) *Deps {
	d := &Deps{Pool: pool, Sources: sources, Logger: log, Timings: timings, users: NewUserCache(), runs: newRunProgress(), statistics: &plannerStatistics{}, webhooks: &webhookActivity{},
		DB: &db.Health{Where: db.Where(pool)}, held: newHeldItems(maxItemsHeld, maxItemsWait)}
	for _, opt := range opts {
		opt(d)
	}
	return d
}

// DepsOption sets an optional part of Deps.
type DepsOption func(*Deps)

// WithObserver tells o what the jobs did, for metrics.
func WithObserver(o Observer) DepsOption { return func(d *Deps) { d.Observer = o } }

// WithReach gives the jobs what the sources' clients record of whether
// their APIs answer.
func WithReach(reach map[string]*fetcher.Reach) DepsOption { return func(d *Deps) { d.Reach = reach } }

// WithDatabaseHealth shares what the process records of whether the
// database answers, with its grace, with the jobs.
func WithDatabaseHealth(h *db.Health) DepsOption { return func(d *Deps) { d.DB = h } }

// WithItemsHeld caps the items each source's batch jobs hold at max, and
// how long a job waits for its items at maxWait, instead of maxItemsHeld
// and maxItemsWait.
func WithItemsHeld(max int, maxWait time.Duration) DepsOption {
	return func(d *Deps) { d.held = newHeldItems(max, maxWait) }
}

// WithUserCache shares users, which the database connection forgets (see
// UserCache.Forget), with the jobs.
func WithUserCache(users *UserCache) DepsOption { return func(d *Deps) { d.users = users } }

// FlushProgress writes the run counters this process has gathered (they are
// written every half second otherwise); commands call it before reporting.
func (d *Deps) FlushProgress(ctx context.Context) {
	d.runs.flush(ctx, d.Pool, d.Logger)
}

// Observer receives what the jobs did. *metrics.Metrics implements it.
type Observer interface {
	AddRows(source string, perTable map[string]int)
	ObservePass(source, kind string, d time.Duration)
	// ObserveWebhookLag sees the time from a change a webhook announced to
	// the commit of its re-read.
	ObserveWebhookLag(source string, d time.Duration)
}

// sourceJob is a job of one source's pass.
type sourceJob interface {
	river.JobArgs
	sourceRun() (source string, runID int64)
}

// start returns what a job works with: the reference error handling needs,
// and its source; or what River should do with the job instead (see ready).
func start[A sourceJob](ctx context.Context, d *Deps, job *river.Job[A]) (jobRef, fetcher.Source, error) {
	source, runID := job.Args.sourceRun()
	src, err := d.ready(ctx, source)
	u, urgent := any(job.Args).(interface{ isUrgent() bool })
	return jobRef{source: source, runID: runID, row: job.JobRow, urgent: urgent && u.isUrgent()}, src, err
}

// ready returns the source a job works on, or what River should do instead:
// cancel the job (the source is not configured here) or snooze it (the
// source is paused after a rate limit, in this process or another, or the
// database does not answer).
func (d *Deps) ready(ctx context.Context, name string) (fetcher.Source, error) {
	src, err := d.source(name)
	if err != nil {
		return nil, err
	}
	wait, err := d.pausedFor(ctx, name)
	if d.DB.Observe(err) {
		return nil, river.JobSnooze(time.Second) // the database is down: costs no attempt
	}
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, river.JobSnooze(wait)
	}
	return src, nil
}

func (d *Deps) source(name string) (fetcher.Source, error) {
	src, ok := d.Sources[name]
	if !ok {
		// A job for a source this process does not know can never succeed
		// here; cancel it rather than burn retries.
		return nil, river.JobCancel(fmt.Errorf("source %q is not configured in this process", name))
	}
	return src, nil
}

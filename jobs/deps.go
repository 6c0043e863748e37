package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/fetcher"
)

// Deps is what every worker needs.
type Deps struct {
	Pool *pgxpool.Pool
	// Sources are the configured sources by name.
	Sources map[string]fetcher.Source
	Logger  zerolog.Logger
	// Overlap is how far before the watermark an incremental pass starts, to
	// catch records whose modification time was assigned late. Defaults to
	// 5 minutes.
	Overlap time.Duration
	// OpenRecheckInterval is how often the daemon's incremental passes
	// re-read the messages of open conversations (see
	// PassOptions.RecheckOpenAfter; `sync` passes its own). Defaults to 15
	// minutes.
	OpenRecheckInterval time.Duration
	// SweepInterval is how often the daemon's pass is a sweep, which
	// detects conversations deleted at the source. Defaults to 30 minutes.
	SweepInterval time.Duration
	// Observer, when set, is told what the jobs did, for metrics.
	Observer Observer

	initOnce   sync.Once
	usersCache *userCache
	runCounts  *runProgress
}

func (d *Deps) init() {
	d.initOnce.Do(func() {
		d.usersCache = newUserCache()
		d.runCounts = newRunProgress()
	})
}

func (d *Deps) progress() *runProgress {
	d.init()
	return d.runCounts
}

// FlushProgress writes the run counters this process has gathered (they are
// written every half second otherwise); commands call it before reporting.
func (d *Deps) FlushProgress(ctx context.Context) {
	d.progress().flush(ctx, d.Pool, d.Logger)
}

// ForgetCommittedUsers makes the process write every user again, as it
// meets them. Call it whenever the pool opens a connection: with
// synchronous_commit off, a commit the process saw can be lost in a
// database crash, which also closes every connection; a page lost that way
// is fetched again, but its users would be taken for written.
func (d *Deps) ForgetCommittedUsers() {
	d.users().forget()
}

// users is the process's cache of committed users.
func (d *Deps) users() *userCache {
	d.init()
	return d.usersCache
}

// Observer receives what the jobs did. *metrics.Metrics implements it.
type Observer interface {
	AddRows(source string, perTable map[string]int)
	ObservePass(source, kind string, d time.Duration)
}

func (d *Deps) sweepInterval() time.Duration {
	if d.SweepInterval <= 0 {
		return 30 * time.Minute
	}
	return d.SweepInterval
}

func (d *Deps) openRecheckInterval() time.Duration {
	if d.OpenRecheckInterval <= 0 {
		return 15 * time.Minute
	}
	return d.OpenRecheckInterval
}

// ready returns the source a job works on, or what River should do instead:
// cancel the job (the source is not configured here) or snooze it (the
// source is paused after a rate limit, in this process or another).
func (d *Deps) ready(ctx context.Context, name string) (fetcher.Source, error) {
	src, err := d.source(name)
	if err != nil {
		return nil, err
	}
	wait, err := d.pausedFor(ctx, name)
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

func (d *Deps) overlap() time.Duration {
	if d.Overlap <= 0 {
		return 5 * time.Minute
	}
	return d.Overlap
}

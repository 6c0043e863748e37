package jobs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// pageTimeout bounds one job: a request with its inline retries (3 × 30 s at
// worst), short inline rate-limit waits, and one transaction. River's default
// of one minute would cut a page that is merely slow.
const pageTimeout = 3 * time.Minute

// ClientConfig configures the River client that runs the sync jobs.
type ClientConfig struct {
	// Workers is the number of jobs of each source run at once in this
	// process (the configuration holds its default); at least 1.
	Workers int
	// PassInterval, when positive, starts an incremental pass of every
	// source that often (the daemon). Zero runs only what is queued.
	PassInterval time.Duration
	// ID names this process in River's job records. Defaults to River's.
	ID string
	// Logger receives River's own logs. Defaults to warnings on stderr.
	Logger *slog.Logger
}

// NewClient returns a River client with every sync worker registered.
func NewClient(d *Deps, cfg ClientConfig) (*river.Client[pgx.Tx], error) {
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("create river client: %d workers: want at least 1", cfg.Workers)
	}
	workers := river.NewWorkers()
	addWorkers(workers, d)

	var periodic []*river.PeriodicJob
	if cfg.PassInterval > 0 {
		periodic = append(periodic, river.NewPeriodicJob(
			river.PeriodicInterval(cfg.PassInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return StartPassesArgs{}, &river.InsertOpts{
					Queue:      QueueSync,
					UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeStates},
				}
			},
			&river.PeriodicJobOpts{ID: "start_passes", RunOnStart: true},
		))
	}

	queues := map[string]river.QueueConfig{QueueSync: {MaxWorkers: 2}}
	for name := range d.Sources {
		queues[sourceQueue(name)] = river.QueueConfig{MaxWorkers: cfg.Workers}
	}
	client, err := river.NewClient(riverpgxv5.New(d.Pool), &river.Config{
		ID:                   cfg.ID,
		Queues:               queues,
		Workers:              workers,
		PeriodicJobs:         periodic,
		MaxAttempts:          MaxAttempts,
		RetryPolicy:          RetryPolicy{},
		JobTimeout:           pageTimeout,
		RescueStuckJobsAfter: pageTimeout + time.Minute,
		Logger:               cfg.Logger,
		// Pages are picked up as soon as they are queued; the default poll of
		// one second would idle between the pages of a backfill.
		FetchCooldown:     time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	return client, nil
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db/dbq"
)

// StartPassesArgs is the daemon's periodic job: it starts an incremental pass
// of every configured source (or resumes the one in flight).
type StartPassesArgs struct{}

// Kind implements river.JobArgs.
func (StartPassesArgs) Kind() string { return "start_passes" }

// StartPassesWorker starts the periodic passes.
type StartPassesWorker struct {
	river.WorkerDefaults[StartPassesArgs]
	Deps *Deps
}

// Timeout bounds starting every source's pass.
func (w *StartPassesWorker) Timeout(*river.Job[StartPassesArgs]) time.Duration { return time.Minute }

// Work starts one pass per source. One source failing to start does not keep
// the others from syncing.
func (w *StartPassesWorker) Work(ctx context.Context, job *river.Job[StartPassesArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(w.Deps.Sources))
	for name := range w.Deps.Sources {
		names = append(names, name)
	}
	sort.Strings(names)
	// Counters of the jobs since the last pass reach sync_runs now, even
	// when no job has run to flush them.
	w.Deps.FlushProgress(ctx)
	var errs []error
	q := dbq.New(w.Deps.Pool)
	for _, name := range names {
		kind := PassIncremental
		state, err := q.GetSyncState(ctx, dbq.GetSyncStateParams{Source: name, Stream: StreamConversations})
		if err != nil && !isNoRows(err) {
			errs = append(errs, fmt.Errorf("read sync state of %s: %w", name, err))
			continue
		}
		if state.SweptAt == nil || time.Since(*state.SweptAt) >= w.Deps.Timings.SweepInterval {
			kind = PassSweep
		}
		pass, err := StartPass(ctx, w.Deps, client, name, PassOptions{Kind: kind, RecheckOpenAfter: w.Deps.Timings.OpenRecheckInterval})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		w.Deps.Logger.Debug().Str("source", name).Int64("run_id", pass.RunID).Str("kind", string(pass.Kind)).Bool("resumed", pass.Resumed).Msg("pass started")
	}
	return errors.Join(errs...)
}

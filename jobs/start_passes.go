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

// startPasses starts one pass per source. One source failing to start does not keep
// the others from syncing.
func (d *Deps) startPasses(ctx context.Context, job *river.Job[StartPassesArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(d.Sources))
	for name := range d.Sources {
		names = append(names, name)
	}
	sort.Strings(names)
	// Counters of the jobs since the last pass reach sync_runs now, even
	// when no job has run to flush them.
	d.FlushProgress(ctx)
	var errs []error
	q := dbq.New(d.Pool)
	for _, name := range names {
		kind := PassIncremental
		state, err := q.GetSyncState(ctx, dbq.GetSyncStateParams{Source: name, Stream: StreamConversations})
		if err != nil && !isNoRows(err) {
			errs = append(errs, fmt.Errorf("read sync state of %s: %w", name, err))
			continue
		}
		if state.SweptAt == nil || time.Since(*state.SweptAt) >= d.Timings.SweepInterval {
			kind = PassSweep
		}
		pass, err := StartPass(ctx, d, client, name, PassOptions{Kind: kind, RecheckOpenAfter: d.recheckOpenAfter(ctx, q, name)})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d.Logger.Debug().Str("source", name).Int64("run_id", pass.RunID).Str("kind", string(pass.Kind)).Bool("resumed", pass.Resumed).Msg("pass started")
	}
	return errors.Join(errs...)
}

// webhooksQuietAfter is how long a source's webhooks may be silent before
// polling returns to its normal rhythm: the vendor may have stopped sending
// (DevRev marks an endpoint degraded after failed deliveries).
const webhooksQuietAfter = 30 * time.Minute

// recheckOpenAfter is how often the daemon re-reads a source's open
// conversations: less often while its webhooks arrive, since each change
// they announce is read at once; the listing's pass, cheap when nothing
// changed, keeps its interval and proves nothing was missed.
func (d *Deps) recheckOpenAfter(ctx context.Context, q *dbq.Queries, source string) time.Duration {
	if d.Timings.WebhookRecheckInterval <= d.Timings.OpenRecheckInterval {
		return d.Timings.OpenRecheckInterval
	}
	arriving, err := q.WebhooksArrivingSince(ctx, dbq.WebhooksArrivingSinceParams{Source: source, Since: time.Now().Add(-webhooksQuietAfter)})
	if err != nil || !arriving {
		return d.Timings.OpenRecheckInterval
	}
	return d.Timings.WebhookRecheckInterval
}

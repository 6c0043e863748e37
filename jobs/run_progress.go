package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db/dbq"
)

// progressFlushEvery is how often a process writes its runs' counters.
const progressFlushEvery = 500 * time.Millisecond

// runProgress adds up, per run, the pages, rows and rate limits the jobs of
// this process saw, and writes them now and then. Updating the run's row in
// every page's transaction made every page of every worker queue on that
// row's lock; counters are statistics, so a crash may lose the last half
// second of them, never a row of the mirror.
type runProgress struct {
	mu        sync.Mutex
	pending   map[int64]dbq.AddRunProgressParams
	lastFlush time.Time
}

func newRunProgress() *runProgress {
	return &runProgress{pending: map[int64]dbq.AddRunProgressParams{}}
}

// add counts what a job did and flushes when it is time.
func (p *runProgress) add(ctx context.Context, pool *pgxpool.Pool, log zerolog.Logger, runID, pages, rows, rateLimited int64) {
	p.mu.Lock()
	cur := p.pending[runID]
	cur.ID = runID
	cur.Pages += pages
	cur.Rows += rows
	cur.RateLimited += rateLimited
	p.pending[runID] = cur
	due := time.Since(p.lastFlush) >= progressFlushEvery
	p.mu.Unlock()
	if due {
		p.flush(ctx, pool, log)
	}
}

// flush writes the counters gathered since the last flush.
func (p *runProgress) flush(ctx context.Context, pool *pgxpool.Pool, log zerolog.Logger) {
	p.mu.Lock()
	pending := p.pending
	p.pending = map[int64]dbq.AddRunProgressParams{}
	p.lastFlush = time.Now()
	p.mu.Unlock()
	q := dbq.New(pool)
	for _, prog := range pending {
		if err := q.AddRunProgress(context.WithoutCancel(ctx), prog); err != nil {
			log.Warn().Err(err).Int64("run_id", prog.ID).Msg("record run progress")
		}
	}
}

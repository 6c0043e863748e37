package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
)

// statisticsCheckEvery is how often a process looks for mirror tables
// without planner statistics.
const statisticsCheckEvery = time.Second

// plannerStatistics keeps the planner's statistics of the mirror's tables
// from going missing (see db.AnalyzeIfUnanalyzed): without them, a
// recheck of 2,927 open conversations right after a backfill of 20,000 spent
// 86 s of database time in 31 statements that each read every message of the
// source. The tables settle after a few checks early in a backfill, while
// they are small; after that a check is one cheap query, at most once a
// second, by one worker at a time.
type plannerStatistics struct {
	mu   sync.Mutex
	next time.Time
}

// check is called after a page commits. A failure only costs speed: it is
// logged, not returned.
func (s *plannerStatistics) check(ctx context.Context, pool *pgxpool.Pool, log zerolog.Logger) {
	if !s.mu.TryLock() {
		return // another worker is checking
	}
	defer s.mu.Unlock()
	now := time.Now()
	if now.Before(s.next) {
		return
	}
	s.next = now.Add(statisticsCheckEvery)
	n, err := db.AnalyzeIfUnanalyzed(ctx, dbq.New(pool))
	if err != nil {
		log.Warn().Err(err).Msg("collect planner statistics")
	} else if n > 0 {
		log.Debug().Int("tables", n).Msg("collected planner statistics")
	}
}

package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db"
)

// statisticsCheckEvery is how often a process looks for mirror tables
// without planner statistics.
const statisticsCheckEvery = time.Second

// plannerStatistics keeps the planner's statistics of the mirror's tables
// from going missing (see db.AnalyzeIfUnanalyzed): without them, a recheck of
// 2,927 open conversations right after a backfill of 20,000 spent 86 s of
// database time in 31 statements that each read every message of the source.
// The tables settle after a few checks early in a backfill, while they are
// small; after that a check is one cheap query, at most once a second, by one
// worker of the process at a time. A role that cannot analyze the tables
// leaves them to autovacuum: the process stops trying.
type plannerStatistics struct {
	mu      sync.Mutex
	next    time.Time
	stopped bool
}

// check is called after a page commits. A failure only costs speed: it is
// logged, not returned.
func (s *plannerStatistics) check(ctx context.Context, pool *pgxpool.Pool, log zerolog.Logger) {
	if !s.mu.TryLock() {
		return // another worker is checking
	}
	defer s.mu.Unlock()
	now := time.Now()
	if s.stopped || now.Before(s.next) {
		return
	}
	s.next = now.Add(statisticsCheckEvery)
	analyzed, err := db.AnalyzeIfUnanalyzed(ctx, pool)
	switch {
	case errors.Is(err, db.ErrCannotAnalyze):
		s.stopped = true
		log.Info().Err(err).Msg("planner statistics left to autovacuum")
	case err != nil:
		log.Warn().Err(err).Msg("collect planner statistics")
	case len(analyzed) > 0:
		log.Debug().Strs("tables", analyzed).Msg("collected planner statistics")
	}
}

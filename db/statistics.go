package db

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/db/dbq"
)

// AnalyzeIfUnanalyzed collects planner statistics for the mirror's tables
// when one of them holds rows written since it was last analyzed, if
// ever, and returns how many did (0: nothing to do). Without statistics
// PostgreSQL takes `source = $1` to match 0.5% of a table's rows, when in a
// one-source mirror it matches all of them, and looks a page's rows up by
// id through a scan of the whole source instead of the primary key. A first
// backfill fills the tables faster than autovacuum's first round.
func AnalyzeIfUnanalyzed(ctx context.Context, q *dbq.Queries) (int, error) {
	n, err := q.TablesWithoutStatistics(ctx)
	if err != nil {
		return 0, fmt.Errorf("look for tables without planner statistics: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := q.AnalyzeMirror(ctx); err != nil {
		return 0, fmt.Errorf("analyze the mirror's tables: %w", err)
	}
	return int(n), nil
}

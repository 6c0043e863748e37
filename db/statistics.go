package db

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/db/dbq"
)

// ErrCannotAnalyze says an ANALYZE left a table without statistics: the role
// does not own it (PostgreSQL then skips it with a warning, not an error).
var ErrCannotAnalyze = errors.New("ANALYZE left tables without statistics; the role may not own them")

// AnalyzeIfUnanalyzed collects planner statistics for each of the mirror's
// tables that holds rows but has not been analyzed since (see
// dbq.TablesWithoutStatistics), and returns the tables it analyzed. A table
// whose lock is not free within a second (a CREATE INDEX CONCURRENTLY on it)
// is left for the next call.
func AnalyzeIfUnanalyzed(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	q := dbq.New(pool)
	tables, err := q.TablesWithoutStatistics(ctx)
	if err != nil {
		return nil, fmt.Errorf("look for tables without planner statistics: %w", err)
	}
	var analyzed []string
	for _, table := range tables {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			q := dbq.New(tx)
			analyze := analyzer(q, table)
			if analyze == nil {
				return fmt.Errorf("no ANALYZE query for table %s", table)
			}
			if err := q.SetAnalyzeLockTimeout(ctx); err != nil {
				return err
			}
			return analyze(ctx)
		})
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && pgErr.Code == "55P03": // lock_not_available
			continue
		case err != nil:
			return analyzed, fmt.Errorf("analyze %s: %w", table, err)
		}
		analyzed = append(analyzed, table)
	}
	if len(analyzed) == 0 {
		return nil, nil
	}
	left, err := q.TablesWithoutStatistics(ctx)
	if err != nil {
		return analyzed, fmt.Errorf("look for tables without planner statistics: %w", err)
	}
	for _, table := range left {
		if slices.Contains(analyzed, table) {
			return analyzed, fmt.Errorf("%w: %s", ErrCannotAnalyze, table)
		}
	}
	return analyzed, nil
}

// analyzer is the ANALYZE of one of the tables TablesWithoutStatistics
// names.
func analyzer(q *dbq.Queries, table string) func(context.Context) error {
	return map[string]func(context.Context) error{
		"conversations":                q.AnalyzeConversations,
		"messages":                     q.AnalyzeMessages,
		"attachments":                  q.AnalyzeAttachments,
		"conversation_history":         q.AnalyzeConversationHistory,
		"conversation_messages_synced": q.AnalyzeConversationMessagesSynced,
		"users":                        q.AnalyzeUsers,
		"conversation_participants":    q.AnalyzeConversationParticipants,
		"conversation_tags":            q.AnalyzeConversationTags,
		"sla_summaries":                q.AnalyzeSlaSummaries,
		"sla_metrics":                  q.AnalyzeSlaMetrics,
		"chats":                        q.AnalyzeChats,
		"chat_members":                 q.AnalyzeChatMembers,
		"crm_scenario_links":           q.AnalyzeCrmScenarioLinks,
	}[table]
}

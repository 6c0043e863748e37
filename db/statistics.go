package db

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

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
	names := slices.Sorted(maps.Keys(analyzers(q)))
	tables, err := q.TablesWithoutStatistics(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("look for tables without planner statistics: %w", err)
	}
	var analyzed []string
	for _, table := range tables {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			q := dbq.New(tx)
			if err := q.SetAnalyzeLockTimeout(ctx); err != nil {
				return err
			}
			return analyzers(q)[table](ctx)
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
	left, err := q.TablesWithoutStatistics(ctx, analyzed)
	if err != nil {
		return analyzed, fmt.Errorf("look for tables without planner statistics: %w", err)
	}
	if len(left) > 0 {
		return analyzed, fmt.Errorf("%w: %s", ErrCannotAnalyze, strings.Join(left, ", "))
	}
	return analyzed, nil
}

// analyzers are the ANALYZE of each of the mirror's tables, by table: the
// tables AnalyzeIfUnanalyzed looks after.
func analyzers(q *dbq.Queries) map[string]func(context.Context) error {
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
	}
}

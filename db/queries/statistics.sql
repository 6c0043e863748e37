-- name: TablesWithoutStatistics :many
-- Those of the given tables that hold rows and have had as many rows
-- written, updated or deleted since their last ANALYZE, if any, as they
-- hold: in effect, no statistics of what they hold. Without statistics
-- PostgreSQL takes `source = $1` to match 0.5% of a table's rows, when in a
-- one-source mirror it matches all of them: looking up a page's rows by id
-- then reads every row of the source through a bitmap scan instead of
-- probing the primary key. A first backfill fills the tables from empty in
-- less than autovacuum's minute between rounds, so without the Analyze
-- queries below they would have none for the whole backfill, and for the
-- passes right after it.
SELECT t.name::text AS name
FROM unnest(@tables::text[]) AS t(name)
WHERE pg_stat_get_live_tuples(to_regclass(t.name)) > 0
  AND pg_stat_get_mod_since_analyze(to_regclass(t.name)) >= pg_stat_get_live_tuples(to_regclass(t.name))
ORDER BY t.name;

-- name: SetAnalyzeLockTimeout :exec
-- An ANALYZE waits for no more than this for its table's lock (held by a
-- CREATE INDEX CONCURRENTLY, say), in its own transaction.
SELECT set_config('lock_timeout', '1s', true);

-- name: AnalyzeConversations :exec
ANALYZE conversations;

-- name: AnalyzeMessages :exec
ANALYZE messages;

-- name: AnalyzeAttachments :exec
ANALYZE attachments;

-- name: AnalyzeConversationHistory :exec
ANALYZE conversation_history;

-- name: AnalyzeConversationMessagesSynced :exec
ANALYZE conversation_messages_synced;

-- name: AnalyzeUsers :exec
ANALYZE users;

-- name: AnalyzeConversationParticipants :exec
ANALYZE conversation_participants;

-- name: AnalyzeConversationTags :exec
ANALYZE conversation_tags;

-- name: AnalyzeSlaSummaries :exec
ANALYZE sla_summaries;

-- name: AnalyzeSlaMetrics :exec
ANALYZE sla_metrics;

-- name: AnalyzeChats :exec
ANALYZE chats;

-- name: AnalyzeChatMembers :exec
ANALYZE chat_members;

-- name: AnalyzeCrmScenarioLinks :exec
ANALYZE crm_scenario_links;

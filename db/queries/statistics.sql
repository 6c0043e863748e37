-- name: TablesWithoutStatistics :one
-- How many of the mirror's tables hold rows but have not been
-- analyzed since they did: every live row was written since the last
-- ANALYZE, if any. Without statistics PostgreSQL takes `source = $1` to
-- match 0.5% of a table's rows, when in a one-source mirror it matches all
-- of them: looking up a page's rows by id then reads every row of the source
-- through a bitmap scan instead of probing the primary key (see
-- AnalyzeMirror, whose tables are these).
SELECT count(*)::int AS tables
FROM unnest(ARRAY['conversations', 'messages', 'attachments', 'conversation_history', 'conversation_messages_synced',
                     'users', 'conversation_participants', 'conversation_tags', 'sla_summaries', 'sla_metrics',
                     'chats', 'chat_members', 'crm_scenario_links']::text[]) AS t(name)
WHERE pg_stat_get_live_tuples(to_regclass(t.name)) > 0
  AND pg_stat_get_mod_since_analyze(to_regclass(t.name)) >= pg_stat_get_live_tuples(to_regclass(t.name));

-- name: AnalyzeMirror :exec
-- Collects planner statistics for the mirror's tables. A first
-- backfill fills them from empty in less than autovacuum's minute between
-- rounds, so without this they would have none for the whole backfill, and
-- for the passes right after it.
ANALYZE conversations, messages, attachments, conversation_history, conversation_messages_synced,
        users, conversation_participants, conversation_tags, sla_summaries, sla_metrics,
        chats, chat_members, crm_scenario_links;

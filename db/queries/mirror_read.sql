-- Reads of the mirror as analysts see it (live rows only), used to check a
-- mirror against its source and to summarize it.

-- name: LiveConversations :many
SELECT id, display_id, title, description, status, native_status, priority, channel, created_at, modified_at
FROM conversations
WHERE source = @source AND deleted_at IS NULL
ORDER BY id;

-- name: LiveMessages :many
SELECT m.id, m.conversation_id, m.author_id, m.author_type, m.body, m.body_type, m.visibility,
       m.created_at, m.modified_at, m.deleted_at
FROM messages m
JOIN conversations c ON c.source = m.source AND c.id = m.conversation_id AND c.deleted_at IS NULL
WHERE m.source = @source
ORDER BY m.id;

-- name: LiveParticipants :many
SELECT conversation_id, user_id, role
FROM conversation_participants
WHERE source = @source AND deleted_at IS NULL
ORDER BY conversation_id, role, user_id;

-- name: LiveTags :many
SELECT conversation_id, tag, value
FROM conversation_tags
WHERE source = @source AND deleted_at IS NULL
ORDER BY conversation_id, tag;

-- name: LiveSLASummaries :many
SELECT conversation_id, stage, target_time, closest_to_breach_metric, sla_name
FROM sla_summaries
WHERE source = @source AND deleted_at IS NULL
ORDER BY conversation_id;

-- name: LiveSLAMetrics :many
SELECT conversation_id, metric, status, stage, target_time, warning_target_time, breached_at,
       completed_at, completed_in_minutes, in_policy
FROM sla_metrics
WHERE source = @source AND deleted_at IS NULL
ORDER BY conversation_id, metric;

-- name: LiveChats :many
SELECT id, type, title, created_at, modified_at
FROM chats
WHERE source = @source AND deleted_at IS NULL
ORDER BY id;

-- name: LiveChatMembers :many
SELECT chat_id, user_id
FROM chat_members
WHERE source = @source AND deleted_at IS NULL
ORDER BY chat_id, user_id;

-- name: LiveUsers :many
SELECT id, type, display_name, full_name, email, state
FROM users
WHERE source = @source AND deleted_at IS NULL
ORDER BY id;

-- name: LiveAttachments :many
SELECT id, message_id, name, content_type, size
FROM attachments
WHERE source = @source AND deleted_at IS NULL
ORDER BY id;

-- name: ConversationsByStatus :many
SELECT COALESCE(status, native_status, 'unknown')::text AS status, count(*) AS conversations
FROM conversations
WHERE source = @source AND deleted_at IS NULL
GROUP BY 1
ORDER BY 2 DESC, 1;

-- name: LiveCRMLinks :many
SELECT conversation_id, scenario_id, scenario_name, step_id, step_name, available
FROM crm_scenario_links
WHERE source = @source AND deleted_at IS NULL
ORDER BY conversation_id, scenario_id;

-- name: CanaryLanded :one
-- Whether the canary conversation, and its first message, are in the mirror.
SELECT
    EXISTS (SELECT 1 FROM conversations c
            WHERE c.source = @source AND c.id = @conversation_id AND c.deleted_at IS NULL) AS conversation,
    EXISTS (SELECT 1 FROM messages m
            WHERE m.source = @source AND m.conversation_id = @conversation_id
              AND m.body = @body AND m.deleted_at IS NULL) AS first_message;

-- name: Headlines :one
-- A few numbers from the analytics views, for the demo's summary.
SELECT
    count(*)::bigint AS conversations,
    count(first_agent_reply_at)::bigint AS answered,
    COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_seconds), -1)::float8 AS median_first_response_seconds,
    COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_seconds), -1)::float8 AS median_resolution_seconds,
    COALESCE((SELECT sum(breached)::float8 / NULLIF(sum(met) + sum(breached), 0)
              FROM sla_compliance_daily s WHERE s.source = @source), -1)::float8 AS sla_breach_rate
FROM conversation_metrics
WHERE source = @source;

-- name: LiveHistory :many
-- The versions of live conversations, oldest first.
SELECT h.conversation_id, h.valid_from, h.native_status, h.observed_via,
       h.priority, h.assignee_ids, h.sla_stage
FROM conversation_history h
JOIN conversations c ON c.source = h.source AND c.id = h.conversation_id AND c.deleted_at IS NULL
WHERE h.source = @source
ORDER BY h.conversation_id, h.valid_from;

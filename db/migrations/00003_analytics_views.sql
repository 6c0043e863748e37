-- Analytics views: the questions support leaders ask (first response,
-- resolution, SLA compliance, volume, agent activity), answered the same way
-- for every source kind from the normalized columns, never from raw.
--
-- Rules every view follows:
-- * Soft-deleted rows (deleted_at IS NOT NULL) are left out: conversations,
--   messages, SLA metrics, users. Rows of a soft-deleted conversation (its
--   messages, its SLA metrics) are left out with it.
-- * A message counts (as a reply, a customer message, volume) only when it is
--   live, public and has a body. A message deleted at the source keeps its
--   row with a null body and counts for nothing; private notes (visibility
--   private) and internal notes and activity (visibility internal) are never
--   replies. Author types: contact (the customer), agent (a human agent), bot
--   (a bot or AI agent), system (activity); only agents reply.
-- * Days are UTC calendar dates: (ts AT TIME ZONE 'UTC')::date, whatever the
--   session's TimeZone. Rows whose time is unknown have no day and are left
--   out of the daily views.
-- * Durations are seconds (double precision), exact to the microsecond.
--
-- The views are plain, not materialized: they are as fresh as the mirror,
-- which the daemon keeps up to the minute, need no refresh schedule, and
-- filters on their keys (source and id, created_at, day) reach the indexes
-- below, so a dashboard reads only the rows it shows. The README's analytics
-- cookbook has example queries and more index advice.

-- +goose Up

-- Indexes the views need on large mirrors. IF NOT EXISTS: on a mirror too big
-- to block its writes while an index builds, create these beforehand with
-- CREATE INDEX CONCURRENTLY under the same names, and this migration keeps
-- them.

-- conversation_metrics filtered on created_at.
CREATE INDEX IF NOT EXISTS conversations_created_at_idx ON conversations (created_at);
-- volume_daily filtered on day: conversations opened, resolved, messages.
CREATE INDEX IF NOT EXISTS conversations_created_day_idx ON conversations (((created_at AT TIME ZONE 'UTC')::date));
CREATE INDEX IF NOT EXISTS conversations_resolved_day_idx ON conversations (((modified_at AT TIME ZONE 'UTC')::date))
    WHERE status IN ('resolved', 'closed');
-- volume_daily and agent_activity_daily filtered on day.
CREATE INDEX IF NOT EXISTS messages_created_day_idx ON messages (((created_at AT TIME ZONE 'UTC')::date));
-- sla_compliance_daily filtered on day.
CREATE INDEX IF NOT EXISTS sla_metrics_due_day_idx
    ON sla_metrics (((COALESCE(target_time, breached_at, completed_at) AT TIME ZONE 'UTC')::date));

CREATE VIEW sla_metric_outcomes AS
SELECT s.source,
       s.conversation_id,
       s.metric,
       s.status,
       s.stage,
       s.in_policy,
       s.target_time,
       s.breached_at,
       s.completed_at,
       COALESCE(s.target_time, s.breached_at, s.completed_at) AS due_at,
       (COALESCE(s.target_time, s.breached_at, s.completed_at) AT TIME ZONE 'UTC')::date AS due_day,
       CASE
           WHEN s.breached_at IS NOT NULL OR s.stage = 'breached' OR s.status = 'missed' THEN 'breached'
           WHEN s.completed_at IS NOT NULL OR s.stage = 'completed' OR s.status IN ('hit', 'completed') THEN 'met'
           ELSE 'pending'
       END AS outcome
FROM sla_metrics s
JOIN conversations c ON c.source = s.source AND c.id = s.conversation_id AND c.deleted_at IS NULL
WHERE s.deleted_at IS NULL;

COMMENT ON VIEW sla_metric_outcomes IS
    'One row per live SLA metric of a live conversation, with its outcome normalized across vendors: '
    'breached (breached_at set, stage breached or status missed: DevRev and Chatwoot), met (completed '
    'without breach: completed_at set, stage completed, status hit or completed), else pending (still '
    'running, warning or paused). due_at is the target time, else the breach time, else the completion '
    'time (Chatwoot''s next_response_time has no target); due_day is its UTC date.';
COMMENT ON COLUMN sla_metric_outcomes.outcome IS 'breached, met or pending.';
COMMENT ON COLUMN sla_metric_outcomes.due_day IS 'UTC date of due_at; null when the metric has no target, breach or completion time yet.';

CREATE VIEW conversation_metrics AS
SELECT c.source,
       c.id,
       c.display_id,
       c.status,
       c.channel,
       c.priority,
       c.created_at,
       c.modified_at,
       msg.first_customer_message_at,
       reply.created_at AS first_agent_reply_at,
       reply.author_id AS first_responder_id,
       EXTRACT(EPOCH FROM reply.created_at - msg.first_customer_message_at)::double precision AS first_response_seconds,
       resolution.resolved_at,
       EXTRACT(EPOCH FROM resolution.resolved_at - c.created_at)::double precision AS resolution_seconds,
       msg.customer_messages,
       msg.agent_messages,
       msg.bot_messages,
       sla.sla_breached
FROM conversations c
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.status IN ('resolved', 'closed') THEN c.modified_at END AS resolved_at
) resolution
LEFT JOIN LATERAL (
    SELECT min(m.created_at) FILTER (WHERE m.author_type = 'contact') AS first_customer_message_at,
           count(*) FILTER (WHERE m.author_type = 'contact') AS customer_messages,
           count(*) FILTER (WHERE m.author_type = 'agent') AS agent_messages,
           count(*) FILTER (WHERE m.author_type = 'bot') AS bot_messages
    FROM messages m
    WHERE m.source = c.source AND m.conversation_id = c.id
      AND m.deleted_at IS NULL AND m.body IS NOT NULL AND m.visibility = 'public'
) msg ON true
LEFT JOIN LATERAL (
    SELECT m.created_at, m.author_id
    FROM messages m
    WHERE m.source = c.source AND m.conversation_id = c.id
      AND m.deleted_at IS NULL AND m.body IS NOT NULL AND m.visibility = 'public'
      AND m.author_type = 'agent'
      AND m.created_at >= msg.first_customer_message_at
    ORDER BY m.created_at, m.id
    LIMIT 1
) reply ON true
LEFT JOIN LATERAL (
    SELECT bool_or(o.outcome = 'breached') AS sla_breached
    FROM sla_metric_outcomes o
    WHERE o.source = c.source AND o.conversation_id = c.id AND o.in_policy IS NOT FALSE
) sla ON true
WHERE c.deleted_at IS NULL;

COMMENT ON VIEW conversation_metrics IS
    'One row per live conversation: first customer message, first agent reply and the time to it, '
    'resolution, message counts and SLA breach. Messages count only when live, public and with a body '
    '(not deleted at the source); private and internal notes, activity, bots and system events never '
    'count as replies.';
COMMENT ON COLUMN conversation_metrics.first_customer_message_at IS
    'The first public message from the customer (author_type contact); null when the customer has not written.';
COMMENT ON COLUMN conversation_metrics.first_agent_reply_at IS
    'The first public message by a human agent (author_type agent) at or after first_customer_message_at; '
    'an agent message sent before the customer wrote (outbound) is not a reply. Null when there is none yet.';
COMMENT ON COLUMN conversation_metrics.first_responder_id IS 'author_id of the first agent reply (users.id).';
COMMENT ON COLUMN conversation_metrics.first_response_seconds IS 'first_agent_reply_at minus first_customer_message_at, in seconds (wall-clock, not business hours).';
COMMENT ON COLUMN conversation_metrics.resolved_at IS
    'For conversations now resolved or closed, their modified_at: no vendor gives a resolution time, and '
    'the last change to a resolved conversation is, normally, its resolution. A conversation reopened and '
    'resolved again counts from its latest resolution; one reopened and still open has none. A later edit '
    'of a resolved conversation (a tag, a note) moves it. Null for conversations not resolved or closed.';
COMMENT ON COLUMN conversation_metrics.resolution_seconds IS
    'resolved_at minus created_at, in seconds: the elapsed time from opening to the latest resolution, '
    'time spent reopened included.';
COMMENT ON COLUMN conversation_metrics.customer_messages IS 'Live public messages with a body from the customer.';
COMMENT ON COLUMN conversation_metrics.agent_messages IS 'Live public messages with a body from human agents (notes excluded).';
COMMENT ON COLUMN conversation_metrics.bot_messages IS 'Live public messages with a body from bots and AI agents.';
COMMENT ON COLUMN conversation_metrics.sla_breached IS
    'Whether any in-policy SLA metric of the conversation breached (sla_metric_outcomes); null when it has no SLA.';

CREATE VIEW sla_compliance_daily AS
SELECT o.source,
       o.due_day AS day,
       o.metric,
       count(*) AS targets_due,
       count(*) FILTER (WHERE o.outcome = 'met') AS met,
       count(*) FILTER (WHERE o.outcome = 'breached') AS breached,
       count(*) FILTER (WHERE o.outcome = 'pending') AS pending,
       -- The outer cast tells sqlc the type.
       (count(*) FILTER (WHERE o.outcome = 'breached')
           / NULLIF(count(*) FILTER (WHERE o.outcome IN ('met', 'breached')), 0)::double precision)::double precision
           AS breach_rate
FROM sla_metric_outcomes o
WHERE o.due_day IS NOT NULL AND o.in_policy IS NOT FALSE
GROUP BY o.source, o.due_day, o.metric;

COMMENT ON VIEW sla_compliance_daily IS
    'Per source, UTC day and SLA metric: the in-policy targets due that day (sla_metric_outcomes.due_day) '
    'and how they ended. breach_rate = breached / (met + breached): pending targets do not dilute it; null '
    'when none has ended.';
COMMENT ON COLUMN sla_compliance_daily.day IS 'UTC date the target was due (its target time, else its breach or completion time).';

CREATE VIEW volume_daily AS
SELECT v.source,
       v.day,
       v.channel,
       count(*) FILTER (WHERE v.kind = 'opened') AS conversations_opened,
       count(*) FILTER (WHERE v.kind = 'resolved') AS conversations_resolved,
       count(*) FILTER (WHERE v.kind = 'in') AS messages_in,
       count(*) FILTER (WHERE v.kind IN ('out', 'out_bot')) AS messages_out,
       count(*) FILTER (WHERE v.kind = 'out_bot') AS messages_out_bot
FROM (
    SELECT c.source, (c.created_at AT TIME ZONE 'UTC')::date AS day, c.channel, 'opened' AS kind
    FROM conversations c
    WHERE c.deleted_at IS NULL
    UNION ALL
    -- The same rule as conversation_metrics.resolved_at.
    SELECT c.source, (c.modified_at AT TIME ZONE 'UTC')::date, c.channel, 'resolved'
    FROM conversations c
    WHERE c.deleted_at IS NULL AND c.status IN ('resolved', 'closed')
    UNION ALL
    SELECT m.source, (m.created_at AT TIME ZONE 'UTC')::date, c.channel,
           CASE m.author_type WHEN 'contact' THEN 'in' WHEN 'agent' THEN 'out' ELSE 'out_bot' END
    FROM messages m
    JOIN conversations c ON c.source = m.source AND c.id = m.conversation_id AND c.deleted_at IS NULL
    WHERE m.deleted_at IS NULL AND m.body IS NOT NULL AND m.visibility = 'public'
      AND m.author_type IN ('contact', 'agent', 'bot')
) v
WHERE v.day IS NOT NULL
GROUP BY v.source, v.day, v.channel;

COMMENT ON VIEW volume_daily IS
    'Per source, UTC day and channel (null when the vendor gives none): conversations opened (created_at) '
    'and resolved (conversation_metrics.resolved_at) that day, among live conversations, and their live '
    'public messages with a body: in from customers, out from agents and bots (messages_out_bot of them '
    'from bots). Notes, activity and deleted messages are not counted.';

CREATE VIEW agent_activity_daily AS
SELECT a.source,
       a.day,
       a.agent_id,
       u.display_name AS agent_name,
       a.replies,
       a.notes,
       a.conversations_touched,
       a.first_replies,
       a.median_first_response_seconds
FROM (
    SELECT m.source,
           (m.created_at AT TIME ZONE 'UTC')::date AS day,
           m.author_id AS agent_id,
           count(*) FILTER (WHERE m.visibility = 'public') AS replies,
           count(*) FILTER (WHERE m.visibility <> 'public') AS notes,
           count(DISTINCT m.conversation_id) AS conversations_touched,
           count(fr.seconds) AS first_replies,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY fr.seconds) AS median_first_response_seconds
    FROM messages m
    JOIN conversations c ON c.source = m.source AND c.id = m.conversation_id AND c.deleted_at IS NULL
    -- Whether m is its conversation's first agent reply, and the time to it:
    -- the same rule as conversation_metrics.first_agent_reply_at.
    LEFT JOIN LATERAL (
        SELECT EXTRACT(EPOCH FROM m.created_at - fc.first_at)::double precision AS seconds
        FROM (
            SELECT min(x.created_at) AS first_at
            FROM messages x
            WHERE x.source = m.source AND x.conversation_id = m.conversation_id
              AND x.deleted_at IS NULL AND x.body IS NOT NULL AND x.visibility = 'public'
              AND x.author_type = 'contact'
        ) fc
        WHERE m.visibility = 'public' AND m.created_at >= fc.first_at
          AND NOT EXISTS (
              SELECT 1
              FROM messages y
              WHERE y.source = m.source AND y.conversation_id = m.conversation_id
                AND y.deleted_at IS NULL AND y.body IS NOT NULL AND y.visibility = 'public'
                AND y.author_type = 'agent'
                AND y.created_at >= fc.first_at
                AND (y.created_at, y.id) < (m.created_at, m.id)
          )
    ) fr ON true
    WHERE m.deleted_at IS NULL AND m.body IS NOT NULL AND m.author_type = 'agent'
    GROUP BY m.source, (m.created_at AT TIME ZONE 'UTC')::date, m.author_id
) a
LEFT JOIN users u ON u.source = a.source AND u.id = a.agent_id AND u.deleted_at IS NULL
WHERE a.day IS NOT NULL;

COMMENT ON VIEW agent_activity_daily IS
    'Per source, UTC day and human agent (author_type agent; agent_id null when the vendor does not say '
    'which): replies (live public messages with a body), notes (live private or internal ones), the '
    'conversations touched by either, and the first replies that day (conversation_metrics.first_agent_reply_at '
    'by this agent) with their median first_response_seconds (null when none).';

-- +goose Down
DROP VIEW agent_activity_daily;
DROP VIEW volume_daily;
DROP VIEW sla_compliance_daily;
DROP VIEW conversation_metrics;
DROP VIEW sla_metric_outcomes;
DROP INDEX sla_metrics_due_day_idx;
DROP INDEX conversations_resolved_day_idx;
DROP INDEX messages_created_day_idx;
DROP INDEX conversations_created_day_idx;
DROP INDEX conversations_created_at_idx;

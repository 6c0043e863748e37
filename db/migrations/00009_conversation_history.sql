-- Conversation history: one row per version of a conversation's tracked
-- fields (status, priority, assignees, SLA stage), so that the mirror answers
-- what the desk looked like on any day, not only what is true now; the views
-- built on it (backlog_daily, status_durations, reopens); and, beside the
-- computed figures of conversation_metrics, the vendors' own.
--
-- A conversation has at most one current version (valid_to null): the
-- partial unique index says so, and finds current versions fast. Its
-- versions never overlap: the one writer (db/write_history.go) writes a
-- conversation's versions whole, each valid until the next one starts, and
-- fails the page when another transaction wrote them meanwhile (it is then
-- written again). An exclusion constraint on the validity
-- ranges (btree_gist) would say it too, but cost a backfill about a third
-- more of PostgreSQL's time (a GiST insert and a deferred check per version):
-- the tests check the chains instead.

-- +goose Up

CREATE TABLE conversation_history (
    source          text        NOT NULL,
    conversation_id text        NOT NULL,
    valid_from      timestamptz NOT NULL,
    -- Null for the current version.
    valid_to        timestamptz,
    status          text,
    native_status   text,
    priority        text,
    -- The users the conversation is assigned to (owners, assignees), sorted.
    assignee_ids    text[]      NOT NULL DEFAULT '{}',
    sla_stage       text,
    -- Who made the change, when the vendor's change record says (users.id).
    changed_by      text,
    -- How valid_from is known: event (the vendor recorded the change, or the
    -- conversation's creation, with its own time), modified (the change was
    -- observed and dated by the vendor's modification time, at or after the
    -- change itself) or sync (observed and dated by when syncer saw it).
    observed_via    text        NOT NULL,
    -- What the version rests on: the vendor's change record ({"change": ...}),
    -- the state syncer read at valid_from ({"observed": ...}), and whether the
    -- version starts at the conversation's creation ({"creation": true}).
    evidence        jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (source, conversation_id, valid_from),
    CONSTRAINT conversation_history_observed_via_check CHECK (observed_via IN ('event', 'modified', 'sync')),
    CONSTRAINT conversation_history_status_check
        CHECK (status IN ('open', 'pending', 'snoozed', 'resolved', 'closed')),
    CONSTRAINT conversation_history_valid_check CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX conversation_history_current_idx ON conversation_history (source, conversation_id)
    WHERE valid_to IS NULL;

COMMENT ON TABLE conversation_history IS
    'One row per version of a conversation: its status, native_status, priority, assignee_ids and sla_stage '
    'from valid_from until valid_to (null: the current version). A version is written only when one of '
    'these changes, in the transaction that writes the conversation or the vendor''s change record. '
    'observed_via says how valid_from is known: event (the vendor''s own record, exact), modified (dated by '
    'the vendor''s modification time, at or after the change) or sync (when syncer saw it).';

-- Mirrors that existed before this migration: their history starts with
-- what the mirror holds now, dated by the vendor's modification time.
INSERT INTO conversation_history (
    source, conversation_id, valid_from, status, native_status, priority, assignee_ids, sla_stage, observed_via
)
SELECT c.source, c.id, COALESCE(c.modified_at, c.synced_at), c.status, c.native_status, c.priority,
       COALESCE((SELECT array_agg(DISTINCT p.user_id ORDER BY p.user_id)
                 FROM conversation_participants p
                 WHERE p.source = c.source AND p.conversation_id = c.id
                   AND p.role IN ('owner', 'assignee') AND p.deleted_at IS NULL), '{}'),
       (SELECT s.stage FROM sla_summaries s
        WHERE s.source = c.source AND s.conversation_id = c.id AND s.deleted_at IS NULL),
       CASE WHEN c.modified_at IS NULL THEN 'sync' ELSE 'modified' END
FROM conversations c;

CREATE VIEW status_durations AS
SELECT s.source,
       s.conversation_id,
       s.status,
       s.entered_at,
       s.left_at,
       EXTRACT(EPOCH FROM s.left_at - s.entered_at)::double precision AS duration
FROM (
    SELECT i.source, i.conversation_id, i.status,
           min(i.valid_from) AS entered_at,
           -- valid_to of the stay's last version: null while it goes on.
           (array_agg(i.valid_to ORDER BY i.valid_from DESC))[1] AS left_at
    FROM (
        SELECT v.*,
               count(*) FILTER (WHERE v.starts_stay) OVER (
                   PARTITION BY v.source, v.conversation_id ORDER BY v.valid_from
               ) AS stay
        FROM (
            SELECT h.source, h.conversation_id, h.status, h.valid_from, h.valid_to,
                   lag(h.valid_from) OVER w IS NULL OR h.status IS DISTINCT FROM lag(h.status) OVER w AS starts_stay
            FROM conversation_history h
            JOIN conversations c ON c.source = h.source AND c.id = h.conversation_id AND c.deleted_at IS NULL
            WINDOW w AS (PARTITION BY h.source, h.conversation_id ORDER BY h.valid_from)
        ) v
    ) i
    GROUP BY i.source, i.conversation_id, i.stay, i.status
) s;

COMMENT ON VIEW status_durations IS
    'One row per stay of a live conversation in a status: consecutive versions with the same status (a '
    'priority or assignee change within a stay does not end it) from entered_at to left_at (null while the '
    'stay goes on). duration is left_at minus entered_at in seconds, null for the stay going on. A status '
    'syncer cannot normalize (a custom DevRev stage) is a stay with a null status.';
COMMENT ON COLUMN status_durations.duration IS 'left_at minus entered_at, in seconds; null while the stay goes on.';

CREATE VIEW reopens AS
SELECT r.source, r.conversation_id, r.valid_from AS reopened_at, r.done_since AS resolved_at
FROM (
    SELECT d.*,
           max(CASE WHEN d.done AND d.was_done IS NOT TRUE THEN d.valid_from END) OVER (
               PARTITION BY d.source, d.conversation_id ORDER BY d.valid_from
           ) AS done_since
    FROM (
        SELECT h.source, h.conversation_id, h.valid_from,
               h.status IN ('resolved', 'closed') AS done,
               lag(h.status IN ('resolved', 'closed')) OVER (
                   PARTITION BY h.source, h.conversation_id ORDER BY h.valid_from
               ) AS was_done
        FROM conversation_history h
        JOIN conversations c ON c.source = h.source AND c.id = h.conversation_id AND c.deleted_at IS NULL
        WHERE h.status IS NOT NULL
    ) d
) r
WHERE NOT r.done AND r.was_done;

COMMENT ON VIEW reopens IS
    'One row per reopening of a live conversation: a version in open, pending or snoozed right after one in '
    'resolved or closed. reopened_at is when it was reopened; resolved_at when it had been resolved (or '
    'closed), the start of the stay in resolved/closed that the reopening ended. Versions with an unknown '
    'status are skipped.';

CREATE VIEW backlog_daily AS
SELECT d.source,
       d.day,
       h.status,
       c.channel,
       count(*) AS conversations
FROM (
    SELECT f.source, g.day::date AS day
    FROM (SELECT source, min(valid_from) AS first_at FROM conversation_history GROUP BY source) f
    CROSS JOIN LATERAL generate_series((f.first_at AT TIME ZONE 'UTC')::date,
                                       (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS g(day)
) d
JOIN conversation_history h ON h.source = d.source
    AND h.valid_from < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
    AND (h.valid_to IS NULL OR h.valid_to >= ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))
JOIN conversations c ON c.source = h.source AND c.id = h.conversation_id AND c.deleted_at IS NULL
GROUP BY d.source, d.day, h.status, c.channel;

COMMENT ON VIEW backlog_daily IS
    'Live conversations in each status at the end of each UTC day (the version in effect at the day''s last '
    'instant: a change at exactly midnight counts for the next day), per source and channel, from the first '
    'day the source''s history covers to today. A conversation counts from its first version: its creation '
    'where the vendor records changes from it (DevRev), else its first observation. Statuses with no '
    'conversation that day have no row.';

CREATE OR REPLACE VIEW conversation_metrics AS
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
       sla.sla_breached,
       vendor.first_reply_at AS vendor_first_reply_at,
       EXTRACT(EPOCH FROM vendor.first_reply_at - c.created_at)::double precision AS vendor_first_reply_seconds,
       vendor.waiting_since AS vendor_waiting_since
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
-- The vendor's own figures: Chatwoot's first_reply_created_at and
-- waiting_since (unix seconds in the conversation's record; 0 or null when
-- unset), else DevRev's first-response SLA metric, completed when the first
-- response was made.
CROSS JOIN LATERAL (
    SELECT COALESCE(
               CASE WHEN jsonb_typeof(c.raw -> 'first_reply_created_at') = 'number'
                         AND (c.raw ->> 'first_reply_created_at')::numeric > 0
                    THEN to_timestamp((c.raw ->> 'first_reply_created_at')::double precision) END,
               (SELECT min(s.completed_at) FROM sla_metrics s
                WHERE s.source = c.source AND s.conversation_id = c.id AND s.deleted_at IS NULL
                  AND s.completed_at IS NOT NULL
                  AND (lower(s.metric) LIKE 'first response%' OR lower(s.metric) IN ('first_response', 'first_response_time')))
           ) AS first_reply_at,
           CASE WHEN jsonb_typeof(c.raw -> 'waiting_since') = 'number'
                     AND (c.raw ->> 'waiting_since')::numeric > 0
                THEN to_timestamp((c.raw ->> 'waiting_since')::double precision) END AS waiting_since
) vendor
WHERE c.deleted_at IS NULL;

COMMENT ON COLUMN conversation_metrics.vendor_first_reply_at IS
    'The vendor''s own first reply time, beside the computed first_agent_reply_at: Chatwoot''s '
    'first_reply_created_at (the first outgoing, non-private message by a human agent, whoever wrote first: '
    'it includes agents writing before the customer, and ignores whether the message was later deleted), '
    'DevRev''s first-response SLA metric''s completed_at (the metric named "First response..."); null when '
    'the vendor has none.';
COMMENT ON COLUMN conversation_metrics.vendor_first_reply_seconds IS
    'vendor_first_reply_at minus created_at (the vendors measure from the conversation''s creation, not from '
    'the first customer message), in seconds.';
COMMENT ON COLUMN conversation_metrics.vendor_waiting_since IS
    'Chatwoot''s waiting_since: since when the customer has been waiting for an agent''s answer, as Chatwoot '
    'keeps it; null when not waiting or for other vendors.';

-- +goose Down
DROP VIEW conversation_metrics;
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
DROP VIEW backlog_daily;
DROP VIEW reopens;
DROP VIEW status_durations;
DROP TABLE conversation_history;

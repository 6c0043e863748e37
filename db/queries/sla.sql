-- name: ReplaceSLASummaries :exec
-- The SLA summary of each conversation given: upserted when present,
-- soft-deleted when the conversation no longer has one.
WITH upserted AS (
    INSERT INTO sla_summaries AS t (
        source, conversation_id, stage, target_time, closest_to_breach_metric, sla_name, raw, synced_at, deleted_at
    )
    SELECT @source::text, i.conversation_id, i.stage, i.target_time, i.closest_to_breach_metric,
           i.sla_name, i.raw, now(), NULL
    FROM jsonb_to_recordset(@rows::jsonb) AS i(
        conversation_id text, stage text, target_time timestamptz,
        closest_to_breach_metric text, sla_name text, raw jsonb
    )
    ON CONFLICT (source, conversation_id) DO UPDATE SET
        (stage, target_time, closest_to_breach_metric, sla_name, raw, synced_at, deleted_at)
        = (excluded.stage, excluded.target_time, excluded.closest_to_breach_metric,
           COALESCE(excluded.sla_name, t.sla_name), excluded.raw, excluded.synced_at, NULL)
    RETURNING 1
)
UPDATE sla_summaries AS s SET deleted_at = now()
WHERE s.source = @source::text AND s.conversation_id = ANY(@conversation_ids::text[]) AND s.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text)
      WHERE i.conversation_id = s.conversation_id
  );

-- name: ReplaceSLAMetrics :exec
WITH upserted AS (
    INSERT INTO sla_metrics AS t (
        source, conversation_id, metric, status, stage, target_time, warning_target_time,
        breached_at, completed_at, completed_in_minutes, in_policy, raw, synced_at, deleted_at
    )
    SELECT @source::text, i.conversation_id, i.metric, i.status, i.stage, i.target_time,
           i.warning_target_time, i.breached_at, i.completed_at, i.completed_in_minutes,
           i.in_policy, i.raw, now(), NULL
    FROM jsonb_to_recordset(@rows::jsonb) AS i(
        conversation_id text, metric text, status text, stage text, target_time timestamptz,
        warning_target_time timestamptz, breached_at timestamptz, completed_at timestamptz,
        completed_in_minutes integer, in_policy boolean, raw jsonb
    )
    ON CONFLICT (source, conversation_id, metric) DO UPDATE SET
        (status, stage, target_time, warning_target_time, breached_at, completed_at,
         completed_in_minutes, in_policy, raw, synced_at, deleted_at)
        = (excluded.status, excluded.stage, excluded.target_time, excluded.warning_target_time,
           excluded.breached_at, excluded.completed_at, excluded.completed_in_minutes,
           excluded.in_policy, excluded.raw, excluded.synced_at, NULL)
    RETURNING 1
)
UPDATE sla_metrics AS m SET deleted_at = now()
WHERE m.source = @source::text AND m.conversation_id = ANY(@conversation_ids::text[]) AND m.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text, metric text)
      WHERE (i.conversation_id, i.metric) = (m.conversation_id, m.metric)
  );

-- name: InsertSLASummaries :copyfrom
-- Inserts the SLA summaries of conversations that are new in this transaction.
INSERT INTO sla_summaries (source, conversation_id, stage, target_time, closest_to_breach_metric, sla_name, raw)
VALUES (@source, @conversation_id, @stage, @target_time, @closest_to_breach_metric, @sla_name, @raw);

-- name: InsertSLAMetrics :copyfrom
-- Inserts the SLA metrics of conversations that are new in this transaction.
INSERT INTO sla_metrics (
    source, conversation_id, metric, status, stage, target_time, warning_target_time,
    breached_at, completed_at, completed_in_minutes, in_policy, raw
) VALUES (
    @source, @conversation_id, @metric, @status, @stage, @target_time, @warning_target_time,
    @breached_at, @completed_at, @completed_in_minutes, @in_policy, @raw
);

-- name: LockLiveConversations :many
-- Locks the live conversations among ids, in id order, and returns them: the
-- SLA of SLA trackers read on their own is stored only for these, and one
-- deleted meanwhile waits for the transaction or is left out.
SELECT id FROM conversations
WHERE source = @source::text AND id = ANY(@ids::text[]) AND deleted_at IS NULL
ORDER BY id
FOR NO KEY UPDATE;

-- name: SLAWrittenSince :many
-- The conversations among ids whose SLA a transaction that began at or after
-- since stored or deleted (a summary or a metric): a copy read before then
-- may be older or newer than that one, which nothing tells, since an SLA
-- carries no modification time.
SELECT DISTINCT w.conversation_id::text FROM (
    SELECT s.conversation_id, s.synced_at, s.deleted_at FROM sla_summaries s
    WHERE s.source = @source::text AND s.conversation_id = ANY(@ids::text[])
    UNION ALL
    SELECT m.conversation_id, m.synced_at, m.deleted_at FROM sla_metrics m
    WHERE m.source = @source::text AND m.conversation_id = ANY(@ids::text[])
) AS w
WHERE w.synced_at >= @since::timestamptz OR w.deleted_at >= @since::timestamptz;

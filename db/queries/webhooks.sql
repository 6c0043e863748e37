-- name: AddPendingRefreshes :many
-- Records the conversations a webhook asks to read again; returns those not
-- already waiting for a re-read, which need a job (the others' job, not yet
-- started, will see this event's change too). A mark left 15 minutes ago
-- counts as none: its job may never start (cancelled, deleted, or failed
-- before it took the mark), and it must not hold back every later event of
-- the conversation; a second re-read costs only its requests, and answers
-- this event (the lag counts from it).
-- Each id once, in one order: concurrent calls then take their rows' locks
-- in the same order, and cannot deadlock.
INSERT INTO pending_refreshes AS p (source, conversation_id, first_event_at)
SELECT @source::text, ids.id, @event_at::timestamptz
FROM (SELECT DISTINCT unnest(@conversation_ids::text[]) AS id) AS ids
ORDER BY ids.id
ON CONFLICT (source, conversation_id) DO UPDATE SET queued_at = now(), first_event_at = excluded.first_event_at
WHERE p.queued_at < now() - interval '15 minutes'
RETURNING conversation_id;

-- name: TakePendingRefresh :one
-- A re-read starts: events from now on need another one. Returns when the
-- first event it answers happened.
DELETE FROM pending_refreshes
WHERE source = @source AND conversation_id = @conversation_id
RETURNING first_event_at;

-- name: RecordWebhookEvents :exec
-- Adds what this process received since its last heartbeat.
INSERT INTO source_webhooks AS w (source, last_event_at, events)
VALUES (@source, @last_event_at, @events)
ON CONFLICT (source) DO UPDATE SET
    (last_event_at, events) = (GREATEST(w.last_event_at, excluded.last_event_at), w.events + excluded.events);

-- name: SourceWebhooks :many
SELECT source, last_event_at, events FROM source_webhooks ORDER BY source;

-- name: WebhooksArrivingSince :one
-- Whether a source's webhooks have been arriving since a time.
SELECT EXISTS (SELECT 1 FROM source_webhooks WHERE source = @source AND last_event_at >= @since::timestamptz);

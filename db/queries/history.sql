-- name: ConversationsCreatedAt :many
-- The creation time of the conversations whose history a batch changes (a
-- conversation the mirror does not hold is left out).
SELECT id, created_at FROM conversations
WHERE source = @source AND id = ANY(@ids::text[])
ORDER BY id;

-- name: HistoryOf :many
-- The versions of the given conversations, oldest first.
SELECT conversation_id, valid_from, status, native_status, priority, assignee_ids, sla_stage,
       changed_by, observed_via, evidence
FROM conversation_history
WHERE source = @source AND conversation_id = ANY(@ids::text[])
ORDER BY conversation_id, valid_from;

-- name: DeleteHistoryOf :many
-- Removes the versions of conversations whose history is written again
-- whole (InsertHistory, in the same transaction), and returns them: the
-- writer checks they are the ones it read, or another transaction wrote
-- meanwhile.
DELETE FROM conversation_history
WHERE source = @source AND conversation_id = ANY(@ids::text[])
RETURNING conversation_id, valid_from, status, native_status, priority, assignee_ids, sla_stage,
          changed_by, observed_via, evidence;

-- name: InsertHistory :exec
-- Writes the versions of conversations whose versions were just removed.
INSERT INTO conversation_history (
    source, conversation_id, valid_from, valid_to, status, native_status, priority, assignee_ids,
    sla_stage, changed_by, observed_via, evidence
)
SELECT @source::text, r.conversation_id, r.valid_from, r.valid_to, r.status, r.native_status, r.priority,
       COALESCE(r.assignee_ids, '{}'), r.sla_stage, r.changed_by, r.observed_via, COALESCE(r.evidence, '{}')
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    conversation_id text, valid_from timestamptz, valid_to timestamptz, status text, native_status text,
    priority text, assignee_ids text[], sla_stage text, changed_by text, observed_via text, evidence jsonb
);

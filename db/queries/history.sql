-- name: LockConversationsForHistory :many
-- Locks the conversations whose history a batch changes, in id order, and
-- reads their creation time. Every writer of a conversation's history holds
-- its row's lock, so that two pages (its listing and its timeline) cannot
-- each read its versions and write conflicting ones. Rows this transaction
-- wrote are locked already.
SELECT id, created_at FROM conversations
WHERE source = @source AND id = ANY(@ids::text[])
ORDER BY id
FOR UPDATE;

-- name: HistoryOf :many
-- The versions of the given conversations, oldest first.
SELECT conversation_id, valid_from, status, native_status, priority, assignee_ids, sla_stage,
       changed_by, observed_via, evidence
FROM conversation_history
WHERE source = @source AND conversation_id = ANY(@ids::text[])
ORDER BY conversation_id, valid_from;

-- name: DeleteHistoryOf :exec
-- Removes the versions of conversations whose history is written again
-- whole (InsertHistory, in the same transaction).
DELETE FROM conversation_history
WHERE source = @source AND conversation_id = ANY(@ids::text[]);

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

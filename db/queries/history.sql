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

-- name: InsertHistory :copyfrom
-- Writes the versions of conversations whose versions were just removed, or
-- that had none.
INSERT INTO conversation_history (
    source, conversation_id, valid_from, valid_to, status, native_status, priority, assignee_ids,
    sla_stage, changed_by, observed_via, evidence
) VALUES (
    @source, @conversation_id, @valid_from, @valid_to, @status, @native_status, @priority, @assignee_ids,
    @sla_stage, @changed_by, @observed_via, @evidence
);

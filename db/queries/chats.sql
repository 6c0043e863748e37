-- name: UpsertChats :many
-- A chat marked deleted at or after fetched_after stays deleted (see
-- UpsertConversations). Returns the chats that were written: only theirs
-- are the members to replace (an older copy, or a chat that stays deleted,
-- changes nothing at all).
INSERT INTO chats AS t (source, id, type, title, created_at, modified_at, raw, synced_at, deleted_at)
SELECT @source::text, r.id, r.type, r.title, r.created_at, r.modified_at, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, type text, title text, created_at timestamptz, modified_at timestamptz, raw jsonb
)
ON CONFLICT (source, id) DO UPDATE SET
    (type, title, created_at, modified_at, raw, synced_at, deleted_at)
    = (excluded.type, excluded.title, excluded.created_at, excluded.modified_at, excluded.raw, excluded.synced_at, NULL)
-- Not older: a null time on either side is not known to be older. A copy of
-- the same time replaces only a row written before it was fetched, as
-- UpsertConversations: an earlier read committing last must not undo a
-- later one's members.
WHERE ((excluded.modified_at > t.modified_at) IS NOT FALSE
       OR (excluded.modified_at = t.modified_at AND t.synced_at < @fetched_after::timestamptz))
  AND (t.deleted_at IS NULL OR t.deleted_at < @fetched_after::timestamptz)
RETURNING t.id;

-- name: MarkChatsDeleted :exec
UPDATE chats SET deleted_at = COALESCE(deleted_at, now())
WHERE source = @source AND id = ANY(@ids::text[]);

-- name: ChatsSyncedSince :many
-- Chats already fetched since a time (in this run), not to fetch again.
SELECT id FROM chats
WHERE source = @source AND id = ANY(@ids::text[]) AND synced_at >= @since::timestamptz;

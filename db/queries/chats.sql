-- name: UpsertChats :exec
INSERT INTO chats AS t (source, id, type, title, created_at, modified_at, raw, synced_at, deleted_at)
SELECT @source::text, r.id, r.type, r.title, r.created_at, r.modified_at, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, type text, title text, created_at timestamptz, modified_at timestamptz, raw jsonb
)
ON CONFLICT (source, id) DO UPDATE SET
    type        = excluded.type,
    title       = excluded.title,
    created_at  = excluded.created_at,
    modified_at = excluded.modified_at,
    raw         = excluded.raw,
    synced_at   = excluded.synced_at,
    deleted_at  = NULL
WHERE t.modified_at IS NULL
   OR excluded.modified_at IS NULL
   OR excluded.modified_at >= t.modified_at;

-- name: MarkChatsDeleted :exec
UPDATE chats SET deleted_at = COALESCE(deleted_at, now())
WHERE source = @source AND id = ANY(@ids::text[]);

-- name: ChatsSyncedSince :many
-- Chats already fetched since a time (in this run), not to fetch again.
SELECT id FROM chats
WHERE source = @source AND id = ANY(@ids::text[]) AND synced_at >= @since::timestamptz;

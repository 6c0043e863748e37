-- name: UpsertMessages :exec
-- Upserts one page of messages; an older copy never overwrites a newer one.
-- A message deleted at the source but still listed has a null body.
INSERT INTO messages AS t (
    source, id, conversation_id, author_id, author_type, body, body_type, visibility,
    created_at, modified_at, raw, synced_at, deleted_at
)
SELECT @source::text, r.id, r.conversation_id, r.author_id, r.author_type, r.body, r.body_type,
       r.visibility, r.created_at, r.modified_at, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, conversation_id text, author_id text, author_type text, body text, body_type text,
    visibility text, created_at timestamptz, modified_at timestamptz, raw jsonb
)
ON CONFLICT (source, id) DO UPDATE SET
    conversation_id = excluded.conversation_id,
    author_id       = excluded.author_id,
    author_type     = excluded.author_type,
    body            = excluded.body,
    body_type       = excluded.body_type,
    visibility      = excluded.visibility,
    created_at      = excluded.created_at,
    modified_at     = excluded.modified_at,
    raw             = excluded.raw,
    synced_at       = excluded.synced_at,
    deleted_at      = NULL
WHERE t.modified_at IS NULL
   OR excluded.modified_at IS NULL
   OR excluded.modified_at >= t.modified_at;

-- name: UpsertAttachments :exec
INSERT INTO attachments AS t (source, id, message_id, name, content_type, size, raw, synced_at, deleted_at)
SELECT @source::text, r.id, r.message_id, r.name, r.content_type, r.size, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, message_id text, name text, content_type text, size bigint, raw jsonb
)
ON CONFLICT (source, id) DO UPDATE SET
    message_id   = excluded.message_id,
    name         = excluded.name,
    content_type = excluded.content_type,
    size         = excluded.size,
    raw          = excluded.raw,
    synced_at    = excluded.synced_at,
    deleted_at   = NULL;

-- name: KnownMessages :many
-- Which of the given messages the mirror already holds. Each id is one index
-- probe whatever the statistics: OFFSET 0 keeps the planner from turning the
-- check into a join, and a plan cached while the table was nearly empty (a
-- backfill's first minute, before any ANALYZE) from scanning the table.
SELECT i.id::text AS id FROM unnest(@ids::text[]) AS i(id)
WHERE EXISTS (SELECT 1 FROM messages t WHERE t.source = @source AND t.id = i.id OFFSET 0);

-- name: InsertMessages :copyfrom
-- Inserts messages the mirror does not hold yet (see KnownMessages).
INSERT INTO messages (
    source, id, conversation_id, author_id, author_type, body, body_type, visibility,
    created_at, modified_at, raw
) VALUES (
    @source, @id, @conversation_id, @author_id, @author_type, @body, @body_type, @visibility,
    @created_at, @modified_at, @raw
);

-- name: KnownAttachments :many
-- Which of the given attachments the mirror already holds (one index probe
-- per id, as KnownMessages).
SELECT i.id::text AS id FROM unnest(@ids::text[]) AS i(id)
WHERE EXISTS (SELECT 1 FROM attachments t WHERE t.source = @source AND t.id = i.id OFFSET 0);

-- name: InsertAttachments :copyfrom
-- Inserts attachments the mirror does not hold yet (see KnownAttachments).
INSERT INTO attachments (source, id, message_id, name, content_type, size, raw)
VALUES (@source, @id, @message_id, @name, @content_type, @size, @raw);

-- name: UpsertMessages :exec
-- Upserts one page of messages; an older copy never overwrites a newer one.
-- A message deleted at the source but still listed has a null body. Every
-- message of the page counts as seen now (synced_at), the older copies that
-- change nothing too: a complete read of a conversation takes what was not
-- seen since it began for deleted (MarkMessagesGone). now() is after the
-- page was fetched, so a copy fetched after a read looked is never taken
-- for deleted by it. synced_at never goes back: now() is when a transaction
-- began, and one that began before another's but commits after it must not
-- make a message look unseen since. A message marked deleted at or after
-- fetched_after (a database time before which nothing of the page was
-- fetched: when the job reading it began) stays deleted: the copy may
-- predate what the deletion saw, and would bring back for good what is gone
-- at the source.
WITH written AS (
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
        (conversation_id, author_id, author_type, body, body_type, visibility, created_at, modified_at, raw, synced_at, deleted_at)
        = (excluded.conversation_id, excluded.author_id, excluded.author_type, excluded.body, excluded.body_type,
           excluded.visibility, excluded.created_at, excluded.modified_at, excluded.raw,
           GREATEST(t.synced_at, excluded.synced_at), NULL)
    -- Not older: a null time on either side is not known to be older.
    WHERE (excluded.modified_at >= t.modified_at) IS NOT FALSE
      AND (t.deleted_at IS NULL OR t.deleted_at < @fetched_after::timestamptz)
    RETURNING t.id
)
-- ids are the rows' ids: the older copies among them were seen too.
UPDATE messages AS m SET synced_at = GREATEST(m.synced_at, now())
WHERE m.source = @source
  AND m.id = ANY(@ids::text[])
  AND m.id NOT IN (SELECT written.id FROM written);

-- name: MarkMessagesGone :many
-- Soft-deletes the live messages of each conversation that a complete read
-- of it, begun at its read_since, did not see (synced_at older than the
-- read), among those created at or after its covered_from (all when null),
-- with their attachments, and drops their text: a mirror that keeps what was
-- deleted at the source is not exact, and for a support desk it can be a
-- privacy problem. Messages in quarantine were seen, just not stored. reads
-- holds one object per read: one statement for a job's reads rather than
-- one per conversation (20,000 round trips in a backfill of 20,000
-- conversations). Each read is one probe of the messages-by-conversation
-- index whatever the statistics (OFFSET 0, as in KnownMessages), and the
-- rows found are updated by primary key.
-- It also finds the reads another read overtook: more live messages were
-- stored since the read began than it saw (seen). One it did not see may
-- have been fetched by the other before this read looked, and deleted at
-- the source since: this read cannot take it for deleted, and a new read
-- settles it. Returns a row per conversation with messages gone or whose
-- read was overtaken, in order.
WITH live AS (
    SELECT r.conversation_id::text AS conversation_id, r.seen::int AS seen, c.id, c.synced_at >= r.read_since AS stored_since
    FROM jsonb_to_recordset(@reads::jsonb) AS r(conversation_id text, read_since timestamptz, covered_from timestamptz, seen int)
    CROSS JOIN LATERAL (
        SELECT c.id, c.synced_at FROM messages c
        WHERE c.source = @source
          AND c.conversation_id = r.conversation_id
          AND c.deleted_at IS NULL
          AND (r.covered_from IS NULL OR c.created_at >= r.covered_from)
        OFFSET 0
    ) AS c
), gone AS (
    UPDATE messages AS m
    SET deleted_at = now(), body = NULL, raw = '{}'::jsonb
    WHERE m.source = @source
      AND m.id = ANY(ARRAY(
          SELECT live.id FROM live
          WHERE NOT live.stored_since
            AND NOT EXISTS (
                SELECT 1 FROM quarantine q
                WHERE q.source = @source AND q.stream = 'messages' AND q.record_id = live.id AND q.resolved_at IS NULL
            )
      ))
    RETURNING m.id, m.conversation_id
), attachments_gone AS (
    -- By the attachments-by-message index, whatever the estimate of gone: a
    -- join let the planner scan every attachment of the source once per
    -- statement, even with nothing gone.
    UPDATE attachments AS a SET deleted_at = now(), raw = '{}'::jsonb
    WHERE a.source = @source AND a.message_id = ANY(ARRAY(SELECT gone.id FROM gone)) AND a.deleted_at IS NULL
), reads AS (
    SELECT live.conversation_id,
           count(*) FILTER (WHERE live.stored_since) > min(live.seen) AS overtaken
    FROM live GROUP BY live.conversation_id
)
SELECT reads.conversation_id::text AS conversation_id, reads.overtaken::bool AS overtaken,
       ARRAY(SELECT gone.id FROM gone WHERE gone.conversation_id = reads.conversation_id ORDER BY gone.id)::text[] AS gone_ids
FROM reads
WHERE reads.overtaken OR EXISTS (SELECT 1 FROM gone WHERE gone.conversation_id = reads.conversation_id)
ORDER BY reads.conversation_id;

-- name: TransactionTime :one
-- The current transaction's time: what now() writes.
SELECT now()::timestamptz AS now;

-- name: UpsertAttachments :exec
-- An attachment marked deleted (with its message) at or after fetched_after
-- stays deleted, as UpsertMessages keeps its message.
INSERT INTO attachments AS t (source, id, message_id, name, content_type, size, raw, synced_at, deleted_at)
SELECT @source::text, r.id, r.message_id, r.name, r.content_type, r.size, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, message_id text, name text, content_type text, size bigint, raw jsonb
)
ON CONFLICT (source, id) DO UPDATE SET
    (message_id, name, content_type, size, raw, synced_at, deleted_at)
    = (excluded.message_id, excluded.name, excluded.content_type, excluded.size, excluded.raw, excluded.synced_at, NULL)
WHERE t.deleted_at IS NULL OR t.deleted_at < @fetched_after::timestamptz;

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

-- name: DeleteAttachmentsOfDeletedMessages :exec
-- Of the given attachments, just written, those of a deleted message are
-- deleted too, as MarkMessagesGone deletes a message's: a stale copy of a
-- message that stays deleted (see UpsertMessages) may carry an attachment
-- the mirror never held, which COPY inserts.
UPDATE attachments AS a SET deleted_at = now(), raw = '{}'::jsonb
FROM messages AS m
WHERE a.source = @source AND a.id = ANY(@ids::text[]) AND a.deleted_at IS NULL
  AND m.source = a.source AND m.id = a.message_id AND m.deleted_at IS NOT NULL;

-- name: DeleteAttachmentsNoLongerListed :exec
-- A message's attachments come with it, in full: of the given messages,
-- just upserted, the live attachments their copy no longer lists are
-- deleted (Chatwoot's own delete of a message destroys its attachments and
-- keeps the message; an edit can drop a file). Only those stored before the
-- copy was fetched: one a later read stored is not a stale copy's to judge.
UPDATE attachments AS a SET deleted_at = now(), raw = '{}'::jsonb
WHERE a.source = @source AND a.message_id = ANY(@message_ids::text[]) AND a.deleted_at IS NULL
  AND a.synced_at < @fetched_after AND NOT (a.id = ANY(COALESCE(@listed_ids::text[], '{}')));

-- name: DeleteMessagesOfConversationsGone :exec
-- A conversation deleted after the copies of its messages were fetched (a
-- get found it gone while this page's read ran) keeps none of them live:
-- its live messages, those the page stores included (new ones, which its
-- delete could not see), are deleted messages, without their text, raw records or
-- attachments, as MarkConversationsDeleted leaves the others. One deleted
-- before they were fetched was served by the vendor since, and is not
-- judged by this page.
WITH gone AS (
    UPDATE messages AS m SET deleted_at = COALESCE(m.deleted_at, now()), body = NULL, raw = '{}'::jsonb
    FROM conversations AS c
    WHERE c.source = @source::text AND c.id = ANY(@conversation_ids::text[])
      AND c.deleted_at >= @fetched_after::timestamptz
      AND m.source = c.source AND m.conversation_id = c.id AND m.deleted_at IS NULL
    RETURNING m.id
)
UPDATE attachments AS a SET deleted_at = now(), raw = '{}'::jsonb
WHERE a.source = @source::text AND a.message_id = ANY(ARRAY(SELECT gone.id FROM gone)) AND a.deleted_at IS NULL;

-- name: KnownAttachments :many
-- Which of the given attachments the mirror already holds (one index probe
-- per id, as KnownMessages).
SELECT i.id::text AS id FROM unnest(@ids::text[]) AS i(id)
WHERE EXISTS (SELECT 1 FROM attachments t WHERE t.source = @source AND t.id = i.id OFFSET 0);

-- name: InsertAttachments :copyfrom
-- Inserts attachments the mirror does not hold yet (see KnownAttachments).
INSERT INTO attachments (source, id, message_id, name, content_type, size, raw)
VALUES (@source, @id, @message_id, @name, @content_type, @size, @raw);

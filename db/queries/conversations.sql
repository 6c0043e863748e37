-- name: UpsertConversations :many
-- Upserts one page of conversations. An older copy never overwrites a newer
-- one, and a copy of the same time only a row written before the copy was
-- fetched (a null time on either side always overwrites); a row that
-- comes back is un-deleted, unless it was marked deleted at
-- or after fetched_after (the database's time before which nothing of the
-- page was fetched): such a copy may predate the deletion. Returns the rows
-- that were written (see MessagesSyncedFor for what they need next).
INSERT INTO conversations AS t (
    source, id, display_id, title, description, status, native_status, priority,
    channel, created_at, modified_at, raw, synced_at, deleted_at
)
SELECT @source::text, r.id, r.display_id, r.title, r.description, r.status, r.native_status,
       r.priority, r.channel, r.created_at, r.modified_at, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, display_id text, title text, description text, status text, native_status text,
    priority text, channel text, created_at timestamptz, modified_at timestamptz, raw jsonb
)
ON CONFLICT (source, id) DO UPDATE SET
    (display_id, title, description, status, native_status, priority, channel, created_at, modified_at, raw, synced_at, listed_at, deleted_at)
    = (excluded.display_id, excluded.title, excluded.description, excluded.status, excluded.native_status,
       excluded.priority, excluded.channel, excluded.created_at, excluded.modified_at, excluded.raw,
       excluded.synced_at, excluded.synced_at, NULL)
-- Not older: a null time on either side is not known to be older. A copy of
-- the same time replaces only a row written before it was fetched: some
-- vendor changes do not move the time (Chatwoot's SLA evaluation), and an
-- earlier read committing last must not undo a later read's.
WHERE ((excluded.modified_at > t.modified_at) IS NOT FALSE
       OR (excluded.modified_at = t.modified_at AND t.synced_at < @fetched_after::timestamptz))
  AND (t.deleted_at IS NULL OR t.deleted_at < @fetched_after::timestamptz)
RETURNING t.id, t.modified_at;

-- name: MessagesSyncedFor :many
-- The modification time each of the given conversations' messages were last
-- read for, those never read to the end left out. A statement of its own,
-- after the upsert: one that waited for a concurrent delete (which forgets
-- this) must see what that delete left, and a statement sees the database
-- as of its start.
SELECT id, synced_for FROM conversation_messages_synced
WHERE source = @source AND id = ANY(@ids::text[]);

-- name: ConversationsNeedingMessages :many
-- Conversations whose message history is behind their modification time and
-- that were not touched since the given time: the leftovers of earlier passes
-- whose message jobs failed or were skipped. Those a messages job still
-- reads, queued or at work, are left out: they are behind only until it
-- ends, and another read would read the whole history again (after a
-- backfill's listing, thousands of them, at every pass until the reads
-- drain). The jobs are River's (river_job; its args are MessagesArgs, JSON).
-- Those whose read is in quarantine as a whole ('conversation:<id>', not one
-- message of it) come last (the quarantine's own retries take them in
-- turn): otherwise as many reads failing every time as the limit, the first
-- by id, would be all a pass asks for, for good.
WITH reading AS (
    SELECT DISTINCT t.target->>'id' AS id
    FROM river_job AS j, jsonb_array_elements(j.args->'targets') AS t(target)
    WHERE j.kind = 'sync_messages' AND j.args->>'source' = @source::text
      AND j.state IN ('available', 'pending', 'running', 'retryable', 'scheduled')
      AND jsonb_typeof(j.args->'targets') = 'array' -- one without would fail the query
)
SELECT c.id, c.modified_at, s.synced_for AS messages_synced_for
FROM conversations AS c
LEFT JOIN conversation_messages_synced AS s ON s.source = c.source AND s.id = c.id
WHERE c.source = @source
  AND c.deleted_at IS NULL
  AND s.synced_for IS DISTINCT FROM c.modified_at
  AND c.synced_at < @touched_before::timestamptz
  AND c.id NOT IN (SELECT reading.id FROM reading WHERE reading.id IS NOT NULL)
ORDER BY EXISTS (
    SELECT 1 FROM quarantine AS q
    WHERE q.source = c.source AND q.stream = 'messages' AND q.record_id = 'conversation:' || c.id
      AND q.resolved_at IS NULL
), c.id
LIMIT @max_rows;


-- name: OpenConversationsNotReadSince :many
-- Conversations not resolved or closed whose messages no read has ended on
-- since this pass began: their messages are re-read in case a new comment
-- did not bump the conversation. Those whose messages are behind are read
-- anyway (the listing or the pass's end queues them). Whether the pass
-- rewrote a conversation's row says nothing: a listing's overlap rewrites
-- an unchanged one without reading its messages. Read in pages of max_rows,
-- each after the last id of the one before.
SELECT c.id, c.modified_at, s.synced_for AS messages_synced_for
FROM conversations AS c
LEFT JOIN conversation_messages_synced AS s ON s.source = c.source AND s.id = c.id
WHERE c.source = @source
  AND c.deleted_at IS NULL
  AND (c.status IS NULL OR c.status NOT IN ('resolved', 'closed'))
  AND (s.read_done_at IS NULL OR s.read_done_at < @read_before::timestamptz)
  AND NOT COALESCE((s.synced_for IS NULL AND c.modified_at IS NOT NULL) OR s.synced_for < c.modified_at, false) -- behind
  AND c.id > @after_id::text
ORDER BY c.id
LIMIT @max_rows;

-- name: MarkListed :exec
-- Records that a listing showed these conversations, including those whose
-- row was not rewritten (unchanged, or quarantined). Rows this transaction
-- wrote already carry its now(): rewriting them would cost a second copy of
-- each new row.
UPDATE conversations SET listed_at = now()
WHERE source = @source AND id = ANY(@ids::text[]) AND listed_at < now();

-- name: ConversationsNotListedSince :many
-- Live conversations a complete listing did not show: deleted at the source,
-- or moved while the listing ran. Each is checked with a get before it is
-- marked deleted.
SELECT id FROM conversations
WHERE source = @source AND deleted_at IS NULL AND listed_at < @listed_before::timestamptz
ORDER BY id;

-- name: MarkMessagesSyncedMany :exec
-- Records, for each live conversation, that its whole message history was
-- read for the given modification time, and that a read ended now
-- (read_done_at), moving neither back. Now is clock_timestamp(), not the
-- transaction's start: the caller marks after its writes, and a transaction
-- that began before another read did, then waited (LockReadEnds) and stored
-- copies older than that read's, must count as ending after that read began
-- (ReadsEndedSince), or the older copies would stay. A
-- conversation listed twice counts with its latest time. One deleted
-- meanwhile stays unmarked, so that if it comes back its messages are read
-- again (and revived). (OFFSET 0 keeps the check a per-row index probe: as
-- a join, the planner, blind to jsonb_to_recordset's size, scans every
-- conversation of the source.)
INSERT INTO conversation_messages_synced AS s (source, id, synced_for, read_done_at)
SELECT DISTINCT ON (t.id) @source::text, t.id, t.synced_for, clock_timestamp()
FROM jsonb_to_recordset(@rows::jsonb) AS t(id text, synced_for timestamptz)
WHERE t.synced_for IS NOT NULL
  AND EXISTS (
      SELECT 1 FROM conversations AS c
      WHERE c.source = @source::text AND c.id = t.id AND c.deleted_at IS NULL
      OFFSET 0
  )
ORDER BY t.id, t.synced_for DESC
ON CONFLICT (source, id) DO UPDATE
SET synced_for = GREATEST(s.synced_for, excluded.synced_for), read_done_at = GREATEST(s.read_done_at, excluded.read_done_at);

-- name: MarkReadsEnded :exec
-- Records that reads of the given conversations ended now (after the
-- caller's writes, as MarkMessagesSyncedMany), for reads that carry no
-- modification time (a quarantined conversation's retry, say;
-- MarkMessagesSyncedMany records the others'), so that an older read that
-- overlapped one of them reads again (ReadsEndedSince). A conversation never
-- read to its end has no row to record it on.
UPDATE conversation_messages_synced AS s SET read_done_at = GREATEST(s.read_done_at, clock_timestamp())
WHERE s.source = @source AND s.id = ANY(@ids::text[]);

-- name: MarkReadsCutOff :exec
-- Marks the given conversations' messages as read for no time at all (the
-- epoch, before any modification), their reads' ends kept: a read cut off
-- for good after it stored pages may have stored copies older than what
-- another read saw meanwhile, such as a message deleted at the source since,
-- and it never reconciles. The passes then read these conversations again
-- (ConversationsNeedingMessages).
UPDATE conversation_messages_synced SET synced_for = 'epoch'
WHERE source = @source AND id = ANY(@ids::text[]);

-- name: LockReadEnds :exec
-- Takes, until the transaction ends, a lock on the end of each given
-- conversation's read of messages, waiting for a transaction that holds
-- one. Of two reads of a conversation that end at once, the later then sees
-- the earlier's end (ReadsEndedSince) and what it stored (MarkMessagesGone);
-- without it, each could look before the other committed, and a message one
-- fetched before a deletion the other saw would stay. Taken before the
-- transaction writes anything, in key order, it waits on no row lock and
-- cannot deadlock. The locks are advisory, in the two-integer form under
-- 1937337955 ("sync" in ASCII), apart from River's; two conversations whose
-- keys collide merely wait for each other.
SELECT count(pg_advisory_xact_lock(1937337955, keys.k))
FROM (
    SELECT DISTINCT hashtext(@source::text || ':' || id) AS k
    FROM unnest(@ids::text[]) AS id
    ORDER BY k
) AS keys;

-- name: ReadsEndedSince :many
-- Of the given reads (as MarkMessagesGone takes them), those of a
-- conversation whose messages another complete read finished reading since
-- the read began: this read may hold copies fetched before that one looked,
-- such as a message deleted at the source since, which it would store and
-- keep. It reads the conversation again.
SELECT s.id FROM conversation_messages_synced AS s
JOIN jsonb_to_recordset(@reads::jsonb) AS r(conversation_id text, read_since timestamptz)
  ON s.id = r.conversation_id
WHERE s.source = @source AND s.read_done_at > r.read_since
ORDER BY s.id;

-- name: MarkConversationsDeleted :exec
-- Soft-deletes conversations the vendor no longer has, with their messages
-- and those messages' attachments, which lose their text and raw records as
-- MarkMessagesGone's do (a deleted conversation's messages are deleted
-- messages), and forgets that those messages were read: a conversation that
-- comes back (a false delete) reads its messages again and revives them,
-- text and attachments with them. The conversation's records in quarantine
-- (its own, its timeline's and its SLA trackers') leave it: there is nothing
-- left to retry them from.
WITH forgotten AS (
    DELETE FROM conversation_messages_synced AS s
    WHERE s.source = @source::text AND s.id = ANY(@ids::text[])
),
settled AS (
    UPDATE quarantine AS q SET resolved_at = now()
    WHERE q.source = @source::text AND q.resolved_at IS NULL
      AND ((q.stream = 'conversations' AND q.record_id = ANY(@ids::text[]))
        OR (q.stream IN ('messages', 'sla_trackers') AND q.parent_id = ANY(@ids::text[])))
),
conv AS (
    UPDATE conversations AS c SET deleted_at = COALESCE(c.deleted_at, now())
    WHERE c.source = @source::text AND c.id = ANY(@ids::text[])
    RETURNING c.id AS conversation_id
),
gone AS (
    UPDATE messages AS m SET deleted_at = COALESCE(m.deleted_at, now()), body = NULL, raw = '{}'::jsonb
    FROM conv
    WHERE m.source = @source::text AND m.conversation_id = conv.conversation_id
    RETURNING m.id
)
-- By the attachments-by-message index, as MarkMessagesGone.
UPDATE attachments AS a SET deleted_at = now(), raw = '{}'::jsonb
WHERE a.source = @source::text AND a.message_id = ANY(ARRAY(SELECT gone.id FROM gone)) AND a.deleted_at IS NULL;

-- name: ConversationModifiedAt :many
-- The mirror's modification time of live conversations, for sources whose
-- listings show summaries and whose details cost a request each.
SELECT id, modified_at FROM conversations
WHERE source = @source AND id = ANY(@ids::text[]) AND deleted_at IS NULL;

-- name: OpenConversationsNotListedSince :many
-- Conversations the mirror holds as open that a listing of every open
-- conversation did not show: closed or deleted since.
SELECT id FROM conversations
WHERE source = @source AND deleted_at IS NULL
  AND (status IS NULL OR status NOT IN ('resolved', 'closed'))
  AND listed_at < @listed_before::timestamptz
ORDER BY id
LIMIT @max_rows;

-- name: ExistingConversations :many
-- Which of the given conversations the mirror holds, deleted or not: the
-- others are new and are inserted with COPY. One index probe per id, as
-- KnownMessages.
SELECT i.id::text AS id FROM unnest(@ids::text[]) AS i(id)
WHERE EXISTS (SELECT 1 FROM conversations t WHERE t.source = @source AND t.id = i.id OFFSET 0);

-- name: InsertConversations :copyfrom
-- Inserts conversations the mirror does not hold yet (see ExistingConversations);
-- a concurrent insert of the same one fails the transaction, which is then
-- written again with UpsertConversations.
INSERT INTO conversations (
    source, id, display_id, title, description, status, native_status, priority,
    channel, created_at, modified_at, raw
) VALUES (
    @source, @id, @display_id, @title, @description, @status, @native_status, @priority,
    @channel, @created_at, @modified_at, @raw
);

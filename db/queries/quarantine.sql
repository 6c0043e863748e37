-- name: QuarantineRecords :exec
-- Keeps records that could not be decoded or stored, with their error. Seeing
-- the same record fail again counts another attempt. The last sighting never
-- goes back: now() is when a transaction began, and one that began before
-- another's sighting may commit after it (ResolveEntriesGone compares it
-- with when a read began).
INSERT INTO quarantine AS q (source, stream, record_id, parent_id, raw, error)
SELECT @source::text, r.stream, r.record_id, r.parent_id, r.raw, r.error
FROM jsonb_to_recordset(@rows::jsonb) AS r(stream text, record_id text, parent_id text, raw text, error text)
ON CONFLICT (source, stream, record_id) DO UPDATE SET
    parent_id    = excluded.parent_id,
    raw          = excluded.raw,
    error        = excluded.error,
    last_seen_at = GREATEST(q.last_seen_at, now()),
    attempts     = q.attempts + 1,
    resolved_at  = NULL;

-- name: ResolveQuarantined :exec
-- A record that later lands cleanly leaves the quarantine.
UPDATE quarantine
SET resolved_at = now()
WHERE source = @source AND stream = @stream AND record_id = ANY(@record_ids::text[])
  AND resolved_at IS NULL;

-- name: ResolveEntriesGone :exec
-- Takes out of the quarantine the timeline records that a whole read of
-- their conversation, begun at read_since, no longer saw: the source has
-- them no more. A record the read saw failed again on one of its pages, so
-- after read_since (last_seen_at); one on the page this runs before fails
-- again in the same transaction and comes back. reads holds one object per
-- read, as MarkMessagesGone takes them; a read that covered only the newer
-- part of the history (covered_from) settles nothing here, as a record that
-- could not be read has no creation time to compare. It locks the rows it
-- settles: a page of the same conversation quarantining them at once may
-- deadlock with it, and one of the two commits is run again.
UPDATE quarantine AS q
SET resolved_at = now()
FROM jsonb_to_recordset(@reads::jsonb) AS r(conversation_id text, read_since timestamptz, covered_from timestamptz)
WHERE q.source = @source AND q.stream = 'messages' AND q.parent_id = r.conversation_id
  AND q.resolved_at IS NULL AND r.covered_from IS NULL AND q.last_seen_at < r.read_since;

-- name: ResolveQuarantinedOfParents :exec
-- Records known by their parent leave the quarantine when what they stand
-- for lands with it: an SLA tracker's records are its conversation's SLA,
-- and name no tracker, so a tracker is resolved when its conversation's SLA
-- is stored in full (from the tracker, or from a listing that now embeds it
-- or shows none).
UPDATE quarantine
SET resolved_at = now()
WHERE source = @source AND stream = @stream AND parent_id = ANY(@parent_ids::text[])
  AND resolved_at IS NULL;

-- name: CountOpenQuarantine :many
SELECT source, stream, count(*) AS records
FROM quarantine
WHERE resolved_at IS NULL
GROUP BY source, stream
ORDER BY source, stream;

-- name: OpenQuarantine :many
-- The records of a source still in quarantine, to fetch again: the max_rows
-- least recently tried (quarantined, or queued for a retry, whichever was
-- later), which are marked as queued now. Records a retry never settles (one
-- without an id, say) then take their turn behind the
-- others, instead of coming first every time and, beyond max_rows, keeping
-- the others from ever being tried. Rows another transaction holds (a page
-- quarantining or resolving them) are skipped: they are being settled, and
-- waiting for them could deadlock.
WITH picked AS (
    SELECT q.id FROM quarantine AS q
    WHERE q.source = @source AND q.resolved_at IS NULL
    ORDER BY GREATEST(q.last_seen_at, q.retried_at), q.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE quarantine AS q SET retried_at = now()
    FROM picked
    WHERE q.id = picked.id
    RETURNING q.stream, q.record_id, q.parent_id
)
SELECT marked.stream, marked.record_id, marked.parent_id
FROM marked
ORDER BY marked.stream, marked.record_id;

-- name: ParentsWithOpenQuarantine :many
-- The parents among @parent_ids that have records of @stream still in
-- quarantine: a conversation whose timeline held an entry that could not be
-- read may have had a change that no record says. A DevRev thread that
-- could not be read ('thread:<comment id>') is not one: its replies are
-- comments, never changes.
SELECT DISTINCT parent_id::text
FROM quarantine
WHERE source = @source AND stream = @stream AND parent_id = ANY(@parent_ids::text[])
  AND resolved_at IS NULL AND record_id NOT LIKE 'thread:%';

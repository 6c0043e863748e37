-- name: QuarantineRecords :exec
-- Keeps records that could not be decoded or stored, with their error. Seeing
-- the same record fail again counts another attempt.
INSERT INTO quarantine AS q (source, stream, record_id, parent_id, raw, error)
SELECT @source::text, r.stream, r.record_id, r.parent_id, r.raw, r.error
FROM jsonb_to_recordset(@rows::jsonb) AS r(stream text, record_id text, parent_id text, raw text, error text)
ON CONFLICT (source, stream, record_id) DO UPDATE SET
    parent_id    = excluded.parent_id,
    raw          = excluded.raw,
    error        = excluded.error,
    last_seen_at = now(),
    attempts     = q.attempts + 1,
    resolved_at  = NULL;

-- name: ResolveQuarantined :exec
-- A record that later lands cleanly leaves the quarantine.
UPDATE quarantine
SET resolved_at = now()
WHERE source = @source AND stream = @stream AND record_id = ANY(@record_ids::text[])
  AND resolved_at IS NULL;

-- name: CountOpenQuarantine :many
SELECT source, stream, count(*) AS records
FROM quarantine
WHERE resolved_at IS NULL
GROUP BY source, stream
ORDER BY source, stream;

-- name: OpenQuarantine :many
-- The records of a source still in quarantine, to fetch again.
SELECT stream, record_id, parent_id
FROM quarantine
WHERE source = @source AND resolved_at IS NULL
ORDER BY stream, record_id
LIMIT @max_rows;

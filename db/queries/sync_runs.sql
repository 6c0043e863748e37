-- name: CreateRun :one
INSERT INTO sync_runs (source, stream, kind) VALUES (@source, @stream, @kind)
RETURNING id;

-- name: AddRunProgress :exec
UPDATE sync_runs
SET pages = pages + @pages, rows = rows + @rows, rate_limited = rate_limited + @rate_limited
WHERE id = @id;

-- name: FinishRun :exec
UPDATE sync_runs
SET finished_at = now(), status = @status, error = COALESCE(@error, error)
WHERE id = @id AND finished_at IS NULL;

-- name: FailRun :exec
-- A run fails as soon as one of its jobs fails for good, finished or not.
UPDATE sync_runs
SET status = 'failed', error = COALESCE(error, @error), finished_at = COALESCE(finished_at, now())
WHERE id = @id;

-- name: GetRun :one
SELECT * FROM sync_runs WHERE id = @id;

-- name: LatestRuns :many
-- The latest run of every source and stream.
SELECT DISTINCT ON (source, stream) *
FROM sync_runs
ORDER BY source, stream, started_at DESC, id DESC;

-- name: RowCounts :many
-- Rows mirrored per source and table, for status.
SELECT source, 'conversations'::text AS tbl, count(*) AS total, count(deleted_at) AS deleted FROM conversations GROUP BY source
UNION ALL
SELECT source, 'messages', count(*), count(deleted_at) FROM messages GROUP BY source
UNION ALL
SELECT source, 'users', count(*), count(deleted_at) FROM users GROUP BY source
UNION ALL
SELECT source, 'chats', count(*), count(deleted_at) FROM chats GROUP BY source
UNION ALL
SELECT source, 'sla_metrics', count(*), count(deleted_at) FROM sla_metrics GROUP BY source
ORDER BY 1, 2;

-- name: ResumeRun :exec
-- A run picked up again after a crash or a failure is running again.
UPDATE sync_runs
SET status = 'running', finished_at = NULL, error = NULL
WHERE id = @id;

-- name: LastSucceededRuns :many
-- When each source and stream last finished a pass, for alerting on a source
-- that stopped syncing (the watermark alone also stands still when nothing
-- changes). Every scrape asks, and sync_runs keeps every run (a year of
-- one-minute passes of three sources is 1.6 million rows): each stream
-- (sync_state, which every run's stream has) walks its runs newest first
-- by index to the last that succeeded, instead of aggregating them all.
-- Passes of a stream run one at a time, so the last begun is the last ended.
SELECT s.source, s.stream, r.finished_at::timestamptz AS finished_at
FROM sync_state AS s
CROSS JOIN LATERAL (
    SELECT finished_at FROM sync_runs
    WHERE source = s.source AND stream = s.stream AND status = 'succeeded' AND finished_at IS NOT NULL
    ORDER BY started_at DESC
    LIMIT 1
) AS r;

-- name: PauseSource :exec
-- Pauses every worker of a source until the given time (extends, never shortens).
INSERT INTO source_pauses AS p (source, paused_until, reason)
VALUES (@source, @paused_until, @reason)
ON CONFLICT (source) DO UPDATE SET
    paused_until = GREATEST(p.paused_until, excluded.paused_until),
    reason       = excluded.reason;

-- name: SourcePausedUntil :one
SELECT paused_until FROM source_pauses WHERE source = @source AND paused_until > now();

-- name: RecordSourceRate :exec
-- Records the rate a process learned for a source (over every process).
INSERT INTO source_rates AS r (source, requests_per_second)
VALUES (@source, @requests_per_second)
ON CONFLICT (source) DO UPDATE SET
    requests_per_second = excluded.requests_per_second,
    learned_at          = now();

-- name: RecentSourceRate :one
-- The rate learned for a source within the hour: older ones may describe
-- another plan, or another time of day.
SELECT requests_per_second FROM source_rates
WHERE source = @source AND learned_at > now() - interval '1 hour';

-- name: RecordSourceReach :exec
-- Records whether this process reaches a source's API.
INSERT INTO source_reach AS r (source, client_id, down_since, last_error, failures)
VALUES (@source, @client_id, sqlc.narg(down_since), sqlc.narg(last_error), @failures)
ON CONFLICT (source, client_id) DO UPDATE SET
    (down_since, last_error, failures, updated_at)
    = (excluded.down_since, excluded.last_error, excluded.failures, now());

-- name: UnreachableSources :many
-- The sources a live process cannot reach, each with the longest outage
-- seen and its last error. What processes that stopped saw is not shown.
SELECT DISTINCT ON (source) source, down_since::timestamptz AS down_since, COALESCE(last_error, '')::text AS last_error, failures
FROM source_reach
WHERE down_since IS NOT NULL AND updated_at > now() - make_interval(secs => @fresh_seconds::float8)
ORDER BY source, down_since;

-- name: ForgetSourceReach :exec
-- Forgets what a process saw, when it stops.
DELETE FROM source_reach WHERE client_id = @client_id;

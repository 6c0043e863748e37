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

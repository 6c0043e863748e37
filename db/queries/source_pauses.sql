-- name: PauseSource :exec
-- Pauses every worker of a source until the given time (extends, never shortens).
INSERT INTO source_pauses AS p (source, paused_until, reason)
VALUES (@source, @paused_until, @reason)
ON CONFLICT (source) DO UPDATE SET
    paused_until = GREATEST(p.paused_until, excluded.paused_until),
    reason       = excluded.reason;

-- name: SourcePausedUntil :one
SELECT paused_until FROM source_pauses WHERE source = @source AND paused_until > now();

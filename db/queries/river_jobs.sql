-- name: QueuedJobs :many
-- Jobs not yet finished, per source and kind, for status.
SELECT COALESCE(args->>'source', '')::text AS source, kind, state::text AS state, count(*) AS jobs
FROM river_job
WHERE state::text IN ('available', 'pending', 'running', 'retryable', 'scheduled')
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- name: ActiveJobsByRun :many
-- Jobs not yet finished, per run: a run is running until its last job ends.
SELECT (metadata->>'run_id')::bigint AS run_id, count(*) AS jobs
FROM river_job
WHERE state::text IN ('available', 'pending', 'running', 'retryable', 'scheduled')
  AND metadata ? 'run_id'
GROUP BY 1;

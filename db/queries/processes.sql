-- name: Heartbeat :exec
INSERT INTO syncer_processes (client_id, hostname, pid)
VALUES (@client_id, @hostname, @pid)
ON CONFLICT (client_id) DO UPDATE SET heartbeat_at = now();

-- name: Deregister :exec
-- A process that stops leaves the table, unless River still records it
-- running jobs (one outlived the stop's timeout, or its end was not
-- recorded): it is then taken for dead at once, so that a live process hands
-- them back at its next beat (ReleaseJobsOfDeadProcesses) instead of River's
-- rescuer an hour later, and is forgotten later (ForgetDeadProcesses).
WITH running AS (
    SELECT EXISTS (
        SELECT 1 FROM river_job j
        WHERE j.state = 'running' AND j.attempted_by[cardinality(j.attempted_by)] = @client_id::text
    ) AS busy
), dead AS (
    UPDATE syncer_processes SET heartbeat_at = '-infinity'
    WHERE client_id = @client_id::text AND (SELECT busy FROM running)
)
DELETE FROM syncer_processes
WHERE client_id = @client_id::text AND NOT (SELECT busy FROM running);

-- name: ReleaseJobsOfDeadProcesses :many
-- Hands the jobs that a dead process was running back to the queue, at once.
-- The interrupted attempt is not counted: dying was not the job's fault;
-- unless the job was handed back uncounted five times already (River adds
-- a taker to attempted_by at every attempt, counted or not, and counts in
-- its metadata the snoozes, which do not count either): a job that
-- kills its process (out of memory, say) must run out of attempts, not
-- take every process down in turn for ever (DiscardSpentJobs ends one whose
-- attempts ran out). Only processes that registered
-- here are judged, so jobs of other River clients sharing the database are
-- never touched.
UPDATE river_job AS j
SET state = 'available', scheduled_at = now(),
    attempt = CASE WHEN cardinality(j.attempted_by) - j.attempt - COALESCE((j.metadata->>'snoozes')::int, 0) >= 5
                   THEN j.attempt ELSE GREATEST(j.attempt - 1, 0) END
FROM syncer_processes AS p
WHERE j.state = 'running'
  AND j.attempted_by[cardinality(j.attempted_by)] = p.client_id
  AND p.heartbeat_at < now() - make_interval(secs => @stale_after_seconds::float8)
RETURNING j.id;

-- name: ForgetDeadProcesses :exec
-- Forgets processes long dead whose jobs have all been handed back.
DELETE FROM syncer_processes AS p
WHERE p.heartbeat_at < now() - interval '1 hour'
  AND NOT EXISTS (
      SELECT 1 FROM river_job j
      WHERE j.state = 'running' AND j.attempted_by[cardinality(j.attempted_by)] = p.client_id
  );

-- name: LiveProcesses :one
-- How many syncer processes heartbeat: they share each source's rate limit.
SELECT count(*) FROM syncer_processes WHERE heartbeat_at > now() - make_interval(secs => @stale_after_seconds::float8);

-- name: ReleaseOrphanedJobs :many
-- Hands back the jobs this process is recorded as running but is not: the
-- answer that gave them to it was lost when the database went away. Jobs
-- taken since the database came back are left alone (their worker may not
-- have started yet). The lost attempt is not counted, unless five were
-- not already (see ReleaseJobsOfDeadProcesses).
UPDATE river_job AS j
SET state = 'available', scheduled_at = now(),
    attempt = CASE WHEN cardinality(j.attempted_by) - j.attempt - COALESCE((j.metadata->>'snoozes')::int, 0) >= 5
                   THEN j.attempt ELSE GREATEST(j.attempt - 1, 0) END
WHERE j.state = 'running'
  AND j.attempted_by[cardinality(j.attempted_by)] = @client_id::text
  AND j.attempted_at < @taken_before::timestamptz
  AND NOT (j.id = ANY(@working::bigint[]))
RETURNING j.id;

-- name: DiscardSpentJobs :many
-- Discards the jobs just handed back (ReleaseJobsOfDeadProcesses,
-- ReleaseOrphanedJobs, in the same transaction: no worker can take them
-- before) whose attempts, counted, ran out. River checks a job's attempts
-- only when the job fails, and one that takes its process down never fails:
-- handed back, it would take every process down in turn for ever.
UPDATE river_job
SET state = 'discarded', finalized_at = now(),
    errors = array_append(errors, jsonb_build_object(
        'at', now(), 'attempt', attempt, 'trace', '',
        'error', 'its process died while running it, at every attempt it had: discarded'))
WHERE id = ANY(@ids::bigint[]) AND state = 'available' AND attempt >= max_attempts
RETURNING id, kind, args, metadata;

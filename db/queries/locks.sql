-- name: AcquireMigrationLock :exec
-- Serializes `syncer migrate` across processes: a session advisory lock held
-- while goose and River migrate.
SELECT pg_advisory_lock(@lock_key::bigint);

-- name: ReleaseMigrationLock :exec
SELECT pg_advisory_unlock(@lock_key::bigint);

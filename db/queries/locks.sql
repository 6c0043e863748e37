-- name: AcquireMigrationLock :exec
-- Serializes `syncer migrate` across processes: a session advisory lock held
-- while goose and River migrate.
SELECT pg_advisory_lock(@lock_key::bigint);

-- name: ReleaseMigrationLock :exec
SELECT pg_advisory_unlock(@lock_key::bigint);

-- name: MigrationsTableExists :one
-- Whether goose's version table exists: on a database never migrated, the
-- schema check must say so without creating it (goose's own check does).
SELECT (to_regclass('goose_db_version') IS NOT NULL)::boolean AS present;

-- name: UpsertUsers :exec
-- Users come from the summaries embedded in other records. A summary may carry
-- fewer fields than an earlier one, so a missing field keeps the stored value.
-- Summaries that would change nothing are skipped: the same agents appear on
-- every page, and updating them anyway would make concurrent pages queue on
-- their row locks. (OFFSET 0 keeps the check a per-row index probe: turned
-- into a join, the planner, blind to jsonb_to_recordset's size, scans every
-- user of the source on each call.)
INSERT INTO users AS t (source, id, type, display_name, full_name, email, state, raw, synced_at, deleted_at)
SELECT @source::text, r.id, r.type, r.display_name, r.full_name, r.email, r.state, r.raw, now(), NULL
FROM jsonb_to_recordset(@rows::jsonb) AS r(
    id text, type text, display_name text, full_name text, email text, state text, raw jsonb
)
WHERE NOT EXISTS (
    SELECT 1 FROM users u
    WHERE u.source = @source::text AND u.id = r.id AND u.deleted_at IS NULL
      AND u.type IS NOT DISTINCT FROM COALESCE(r.type, u.type)
      AND u.display_name IS NOT DISTINCT FROM COALESCE(r.display_name, u.display_name)
      AND u.full_name IS NOT DISTINCT FROM COALESCE(r.full_name, u.full_name)
      AND u.email IS NOT DISTINCT FROM COALESCE(r.email, u.email)
      AND u.state IS NOT DISTINCT FROM COALESCE(r.state, u.state)
      AND (u.raw || r.raw) = u.raw -- what the update would store: a nested value that shrank changes it
    OFFSET 0
)
ON CONFLICT (source, id) DO UPDATE SET
    type         = COALESCE(excluded.type, t.type),
    display_name = COALESCE(excluded.display_name, t.display_name),
    full_name    = COALESCE(excluded.full_name, t.full_name),
    email        = COALESCE(excluded.email, t.email),
    state        = COALESCE(excluded.state, t.state),
    raw          = t.raw || excluded.raw,
    synced_at    = excluded.synced_at,
    deleted_at   = NULL;

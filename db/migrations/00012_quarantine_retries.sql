-- When each record in quarantine was last queued for a retry. The retries
-- take the open records least recently tried first (OpenQuarantine): taken
-- by stream and id, the records a retry never settles (one gone at the
-- source, one without an id) came first at every pass and, beyond a pass's
-- batch of retries, kept the others from ever being tried, and no column
-- said when a record was last tried (last_seen_at is when it last failed).
-- The index finds the open records of a conversation whose SLA landed: an
-- SLA tracker in quarantine is known by its conversation
-- (ResolveQuarantinedOfParents), and every page that stores SLA looks.

-- +goose Up
ALTER TABLE quarantine ADD COLUMN retried_at timestamptz;
CREATE INDEX quarantine_open_parent_idx ON quarantine (source, stream, parent_id) WHERE resolved_at IS NULL;

-- +goose Down
DROP INDEX quarantine_open_parent_idx;
ALTER TABLE quarantine DROP COLUMN retried_at;

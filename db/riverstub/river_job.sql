-- A stub of River's job table, declaring only the columns syncer's read-only
-- queries use, so that sqlc can type them. River owns and migrates the real
-- table (rivermigrate); this file is never applied.
CREATE TABLE river_job (
    id           bigint      NOT NULL,
    state        text        NOT NULL,
    kind         text        NOT NULL,
    args         jsonb       NOT NULL,
    metadata     jsonb       NOT NULL,
    attempt      smallint    NOT NULL,
    attempted_at timestamptz,
    attempted_by text[],
    scheduled_at timestamptz NOT NULL
);

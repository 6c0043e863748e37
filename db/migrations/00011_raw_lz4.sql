-- Raw documents are compressed with lz4 instead of PostgreSQL's default pglz
-- when the server has it (built --with-lz4, as Debian's and the official
-- images are). A conversation's raw document is several kilobytes, so almost
-- every one is compressed: in a backfill of 20,000 conversations pglz was the
-- largest single cost of the database backends (9% of their CPU), and a COPY
-- of the same conversations took 1.37-1.52 s with lz4 against 2.03-2.67 s
-- with pglz (five runs each), for 12% more space. Only values written from
-- now on change; the ones stored stay as they are, readable either way. A
-- server without lz4 keeps pglz, for good: the migration counts as applied.
-- A dump of lz4 values restores on such a server with pg_dump
-- --no-toast-compression.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY ARRAY['conversations', 'messages', 'attachments', 'users', 'chats',
                             'sla_summaries', 'sla_metrics', 'crm_scenario_links'] LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN raw SET COMPRESSION lz4', t);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    IF current_setting('server_version_num')::int < 140000 THEN
        RETURN; -- no per-column compression before PostgreSQL 14, so Up changed nothing
    END IF;
    FOREACH t IN ARRAY ARRAY['conversations', 'messages', 'attachments', 'users', 'chats',
                             'sla_summaries', 'sla_metrics', 'crm_scenario_links'] LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN raw SET COMPRESSION default', t);
    END LOOP;
END $$;
-- +goose StatementEnd

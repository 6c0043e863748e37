-- Raw documents are compressed with lz4 instead of PostgreSQL's default pglz
-- when the server has it (built --with-lz4, as Debian's and the official
-- images are). A conversation's raw document is several kilobytes, so almost
-- every one is compressed: in a backfill of 20,000 conversations pglz was the
-- largest single cost of the database backends (9% of their CPU), and a COPY
-- of the same conversations took 1.4-1.6 s with lz4 against 2.0-2.7 s with
-- pglz, for 12% more space. Only values written from now on change; the
-- ones stored stay as they are, readable either way.

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
    FOREACH t IN ARRAY ARRAY['conversations', 'messages', 'attachments', 'users', 'chats',
                             'sla_summaries', 'sla_metrics', 'crm_scenario_links'] LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN raw SET COMPRESSION default', t);
    END LOOP;
END $$;
-- +goose StatementEnd

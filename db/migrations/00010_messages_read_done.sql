-- When a complete read of each conversation's messages last ended. A read
-- that another one ended during may hold copies fetched before the other
-- looked (a message deleted at the source since): it reads the
-- conversation again (see ReadsEndedSince).

-- +goose Up
ALTER TABLE conversation_messages_synced ADD COLUMN read_done_at timestamptz;

-- +goose Down
ALTER TABLE conversation_messages_synced DROP COLUMN read_done_at;

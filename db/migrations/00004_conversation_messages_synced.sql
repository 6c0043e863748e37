-- The modification time for which each conversation's message history was
-- last read to the end moves out of conversations into a narrow table of its
-- own. A backfill marks every conversation once: as a column, that rewrote
-- the conversation's whole row (about 2 KB with its raw record, and its
-- index entries, since a full page leaves no room for an update in place);
-- here it is the insert of a small row.

-- +goose Up
CREATE TABLE conversation_messages_synced (
    source     text        NOT NULL,
    id         text        NOT NULL,
    -- Behind the conversation's modified_at (or absent) means its messages
    -- still have to be (re)read.
    synced_for timestamptz NOT NULL,
    PRIMARY KEY (source, id)
);
INSERT INTO conversation_messages_synced (source, id, synced_for)
SELECT source, id, messages_synced_for FROM conversations WHERE messages_synced_for IS NOT NULL;
ALTER TABLE conversations DROP COLUMN messages_synced_for;

-- +goose Down
ALTER TABLE conversations ADD COLUMN messages_synced_for timestamptz;
UPDATE conversations AS c SET messages_synced_for = s.synced_for
FROM conversation_messages_synced AS s
WHERE s.source = c.source AND s.id = c.id;
DROP TABLE conversation_messages_synced;

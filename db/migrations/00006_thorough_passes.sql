-- A pass that must show every change, even where the source's cheap
-- listing could miss some (Chatvolt has no "changed since" filter: a
-- thorough pass lists every conversation and compares), whether or not it
-- also re-reads the open conversations' messages. `syncer sync` asks for
-- one.

-- +goose Up
ALTER TABLE sync_state ADD COLUMN pass_thorough boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE sync_state DROP COLUMN pass_thorough;

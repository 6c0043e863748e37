-- Webhooks: the conversations a webhook asked to read again and whose
-- re-read has not started (events for one conversation coalesce into one
-- job), and when each source's webhooks last arrived (polling slows down
-- while they do, and returns to its rhythm when they stop).

-- +goose Up
CREATE TABLE pending_refreshes (
    source          text        NOT NULL,
    conversation_id text        NOT NULL,
    -- When the vendor says the first of the coalesced events happened.
    first_event_at  timestamptz NOT NULL,
    queued_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, conversation_id)
);

CREATE TABLE source_webhooks (
    source        text        PRIMARY KEY,
    last_event_at timestamptz NOT NULL,
    events        bigint      NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE source_webhooks;
DROP TABLE pending_refreshes;

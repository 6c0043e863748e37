-- Whether each process can reach each source's API, as it saw at its last
-- heartbeat: `status` shows a source no process can reach, and since when.

-- +goose Up
CREATE TABLE source_reach (
    source      text        NOT NULL,
    client_id   text        NOT NULL,
    -- When requests started getting no answer; null while the API answers.
    down_since  timestamptz,
    last_error  text,
    -- Requests in a row that got no answer.
    failures    integer     NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, client_id)
);

-- +goose Down
DROP TABLE source_reach;

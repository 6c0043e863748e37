-- What each source's rate limit allows, as a process learned it from the
-- vendor's throttles (vendors that send no rate headers): a process that
-- joins a source starts at that rate instead of probing for it.

-- +goose Up
CREATE TABLE source_rates (
    source              text        PRIMARY KEY,
    -- Requests per second over every process sharing the source.
    requests_per_second float8      NOT NULL CHECK (requests_per_second > 0),
    learned_at          timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE source_rates;

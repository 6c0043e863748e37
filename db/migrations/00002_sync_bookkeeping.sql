-- Bookkeeping of the sync itself: where each stream stands, what each run did,
-- and the records that could not be decoded or stored.

-- +goose Up
CREATE TABLE sync_state (
    source     text        NOT NULL,
    stream     text        NOT NULL,
    -- The highest vendor modification time fully synced: incremental passes
    -- start from here minus the overlap window.
    watermark  timestamptz,
    -- The vendor's page cursor of the pass in flight; null between passes.
    cursor     text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- The pass in flight: its run, kind, lower bound and the highest
    -- modification time it has seen so far (the next watermark).
    run_id     bigint,
    pass_kind  text,
    pass_since timestamptz,
    pass_max   timestamptz,
    -- Whether the pass in flight re-reads the messages of every open
    -- conversation at its end (a new comment may not bump its conversation's
    -- modification time), and when that was last done.
    pass_recheck_open boolean NOT NULL DEFAULT false,
    open_rechecked_at timestamptz,
    -- When a sweep (a full listing that detects deletes) last finished.
    swept_at   timestamptz,
    -- The source's last fatal error (bad credentials), cleared by a good pass.
    last_error text,
    PRIMARY KEY (source, stream)
);

CREATE TABLE sync_runs (
    id           bigserial   PRIMARY KEY,
    source       text        NOT NULL,
    stream       text        NOT NULL,
    kind         text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text        NOT NULL DEFAULT 'running',
    pages        bigint      NOT NULL DEFAULT 0,
    rows         bigint      NOT NULL DEFAULT 0,
    rate_limited bigint      NOT NULL DEFAULT 0,
    error        text,
    CONSTRAINT sync_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed')),
    CONSTRAINT sync_runs_kind_check CHECK (kind IN ('backfill', 'incremental', 'sweep'))
);
CREATE INDEX sync_runs_source_stream_idx ON sync_runs (source, stream, started_at DESC);

CREATE TABLE quarantine (
    id            bigserial   PRIMARY KEY,
    source        text        NOT NULL,
    stream        text        NOT NULL,
    record_id     text        NOT NULL,
    -- The record's parent, when it has one (a message's conversation), so
    -- that a later pass can fetch the record again.
    parent_id     text,
    raw           text        NOT NULL,
    error         text        NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    attempts      integer     NOT NULL DEFAULT 1,
    resolved_at   timestamptz,
    UNIQUE (source, stream, record_id)
);

-- A source that hit a rate limit pauses every worker of that source, in every
-- process, until paused_until.
CREATE TABLE source_pauses (
    source       text        PRIMARY KEY,
    paused_until timestamptz NOT NULL,
    reason       text        NOT NULL
);

-- Every syncer process that works jobs, with its heartbeat. The jobs a
-- process was running when it died (SIGKILL, OOM, power loss) are handed back
-- to the queue as soon as its heartbeat stops, instead of waiting for River's
-- stuck-job rescue.
CREATE TABLE syncer_processes (
    client_id    text        PRIMARY KEY,
    hostname     text        NOT NULL,
    pid          integer     NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE syncer_processes;
DROP TABLE source_pauses;
DROP TABLE quarantine;
DROP TABLE sync_runs;
DROP TABLE sync_state;

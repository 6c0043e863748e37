-- The mirrored tables of the SQL interface (DESIGN.md). Every table is keyed by
-- (source, vendor id), keeps the vendor's record in raw, and soft-deletes.

-- +goose Up
CREATE TABLE conversations (
    source        text        NOT NULL,
    id            text        NOT NULL,
    display_id    text,
    title         text,
    description   text,
    status        text,
    native_status text,
    priority      text,
    channel       text,
    created_at    timestamptz,
    modified_at   timestamptz,
    raw           jsonb       NOT NULL,
    synced_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    -- The modified_at for which the full message history was last read to the
    -- end. Behind modified_at means the messages still have to be (re)read.
    messages_synced_for timestamptz,
    -- When a listing of the source last showed this conversation; a sweep
    -- checks those it did not show for deletion.
    listed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, id),
    CONSTRAINT conversations_status_check
        CHECK (status IN ('open', 'pending', 'snoozed', 'resolved', 'closed'))
);
CREATE INDEX conversations_modified_at_idx ON conversations (source, modified_at);

CREATE TABLE messages (
    source          text        NOT NULL,
    id              text        NOT NULL,
    conversation_id text        NOT NULL,
    author_id       text,
    author_type     text,
    body            text,
    body_type       text,
    visibility      text,
    created_at      timestamptz,
    modified_at     timestamptz,
    raw             jsonb       NOT NULL,
    synced_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    PRIMARY KEY (source, id),
    CONSTRAINT messages_visibility_check CHECK (visibility IN ('public', 'internal', 'private'))
);
CREATE INDEX messages_conversation_idx ON messages (source, conversation_id, created_at);

CREATE TABLE users (
    source       text        NOT NULL,
    id           text        NOT NULL,
    type         text,
    display_name text,
    full_name    text,
    email        text,
    state        text,
    raw          jsonb       NOT NULL,
    synced_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (source, id)
);

CREATE TABLE conversation_participants (
    source          text        NOT NULL,
    conversation_id text        NOT NULL,
    user_id         text        NOT NULL,
    role            text        NOT NULL,
    raw             jsonb       NOT NULL DEFAULT '{}',
    synced_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    PRIMARY KEY (source, conversation_id, user_id, role),
    CONSTRAINT conversation_participants_role_check CHECK (role IN ('member', 'owner', 'assignee'))
);

CREATE TABLE conversation_tags (
    source          text        NOT NULL,
    conversation_id text        NOT NULL,
    tag             text        NOT NULL,
    value           text,
    raw             jsonb       NOT NULL DEFAULT '{}',
    synced_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    PRIMARY KEY (source, conversation_id, tag)
);

CREATE TABLE sla_summaries (
    source                   text        NOT NULL,
    conversation_id          text        NOT NULL,
    stage                    text,
    target_time              timestamptz,
    closest_to_breach_metric text,
    sla_name                 text,
    raw                      jsonb       NOT NULL,
    synced_at                timestamptz NOT NULL DEFAULT now(),
    deleted_at               timestamptz,
    PRIMARY KEY (source, conversation_id)
);

CREATE TABLE sla_metrics (
    source               text        NOT NULL,
    conversation_id      text        NOT NULL,
    metric               text        NOT NULL,
    status               text,
    stage                text,
    target_time          timestamptz,
    warning_target_time  timestamptz,
    breached_at          timestamptz,
    completed_at         timestamptz,
    completed_in_minutes integer,
    in_policy            boolean,
    raw                  jsonb       NOT NULL,
    synced_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    PRIMARY KEY (source, conversation_id, metric)
);

CREATE TABLE chats (
    source      text        NOT NULL,
    id          text        NOT NULL,
    type        text,
    title       text,
    created_at  timestamptz,
    modified_at timestamptz,
    raw         jsonb       NOT NULL,
    synced_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (source, id)
);

CREATE TABLE chat_members (
    source     text        NOT NULL,
    chat_id    text        NOT NULL,
    user_id    text        NOT NULL,
    raw        jsonb       NOT NULL DEFAULT '{}',
    synced_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    PRIMARY KEY (source, chat_id, user_id)
);

CREATE TABLE attachments (
    source       text        NOT NULL,
    id           text        NOT NULL,
    message_id   text        NOT NULL,
    name         text,
    content_type text,
    size         bigint,
    raw          jsonb       NOT NULL,
    synced_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (source, id)
);
CREATE INDEX attachments_message_idx ON attachments (source, message_id);

CREATE TABLE crm_scenario_links (
    source          text        NOT NULL,
    conversation_id text        NOT NULL,
    scenario_id     text        NOT NULL,
    scenario_name   text,
    step_id         text,
    step_name       text,
    available       boolean,
    created_at      timestamptz,
    updated_at      timestamptz,
    raw             jsonb       NOT NULL,
    synced_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    PRIMARY KEY (source, conversation_id, scenario_id)
);

-- +goose Down
DROP TABLE crm_scenario_links;
DROP TABLE attachments;
DROP TABLE chat_members;
DROP TABLE chats;
DROP TABLE sla_metrics;
DROP TABLE sla_summaries;
DROP TABLE conversation_tags;
DROP TABLE conversation_participants;
DROP TABLE users;
DROP TABLE messages;
DROP TABLE conversations;

-- Link tables hold the full set of links of each owner given: links in the set
-- are upserted (and revived), links of those owners missing from it are
-- soft-deleted. The check for what is missing reads only the keys of the
-- set (jsonb_to_recordset reads the fields named and ignores the others).

-- name: ReplaceParticipants :exec
WITH upserted AS (
    INSERT INTO conversation_participants AS t (source, conversation_id, user_id, role, synced_at, deleted_at)
    SELECT @source::text, i.conversation_id, i.user_id, i.role, now(), NULL FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text, user_id text, role text)
    ON CONFLICT (source, conversation_id, user_id, role) DO UPDATE SET (synced_at, deleted_at) = (excluded.synced_at, NULL)
    RETURNING 1
)
UPDATE conversation_participants AS p SET deleted_at = now()
WHERE p.source = @source::text AND p.conversation_id = ANY(@conversation_ids::text[]) AND p.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text, user_id text, role text)
      WHERE (i.conversation_id, i.user_id, i.role) = (p.conversation_id, p.user_id, p.role)
  );

-- name: ReplaceTags :exec
WITH upserted AS (
    INSERT INTO conversation_tags AS t (source, conversation_id, tag, value, synced_at, deleted_at)
    SELECT @source::text, i.conversation_id, i.tag, i.value, now(), NULL FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text, tag text, value text)
    ON CONFLICT (source, conversation_id, tag) DO UPDATE SET
        (value, synced_at, deleted_at) = (excluded.value, excluded.synced_at, NULL)
    RETURNING 1
)
UPDATE conversation_tags AS c SET deleted_at = now()
WHERE c.source = @source::text AND c.conversation_id = ANY(@conversation_ids::text[]) AND c.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text, tag text)
      WHERE (i.conversation_id, i.tag) = (c.conversation_id, c.tag)
  );

-- name: ReplaceChatMembers :exec
WITH upserted AS (
    INSERT INTO chat_members AS t (source, chat_id, user_id, synced_at, deleted_at)
    SELECT @source::text, i.chat_id, i.user_id, now(), NULL FROM jsonb_to_recordset(@rows::jsonb) AS i(chat_id text, user_id text)
    ON CONFLICT (source, chat_id, user_id) DO UPDATE SET (synced_at, deleted_at) = (excluded.synced_at, NULL)
    RETURNING 1
)
UPDATE chat_members AS m SET deleted_at = now()
WHERE m.source = @source::text AND m.chat_id = ANY(@chat_ids::text[]) AND m.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_to_recordset(@rows::jsonb) AS i(chat_id text, user_id text)
      WHERE (i.chat_id, i.user_id) = (m.chat_id, m.user_id)
  );

-- name: ReplaceCRMScenarioLinks :exec
WITH upserted AS (
    INSERT INTO crm_scenario_links AS t (
        source, conversation_id, scenario_id, scenario_name, step_id, step_name, available,
        created_at, updated_at, raw, synced_at, deleted_at
    )
    SELECT @source::text, i.conversation_id, i.scenario_id, i.scenario_name, i.step_id, i.step_name,
           i.available, i.created_at, i.updated_at, i.raw, now(), NULL
    FROM jsonb_to_recordset(@rows::jsonb) AS i(
        conversation_id text, scenario_id text, scenario_name text, step_id text, step_name text,
        available boolean, created_at timestamptz, updated_at timestamptz, raw jsonb
    )
    ON CONFLICT (source, conversation_id, scenario_id) DO UPDATE SET
        (scenario_name, step_id, step_name, available, created_at, updated_at, raw, synced_at, deleted_at)
        = (excluded.scenario_name, excluded.step_id, excluded.step_name, excluded.available,
           excluded.created_at, excluded.updated_at, excluded.raw, excluded.synced_at, NULL)
    RETURNING 1
)
UPDATE crm_scenario_links AS l SET deleted_at = now()
WHERE l.source = @source::text AND l.conversation_id = ANY(@conversation_ids::text[]) AND l.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_to_recordset(@rows::jsonb) AS i(conversation_id text, scenario_id text)
      WHERE (i.conversation_id, i.scenario_id) = (l.conversation_id, l.scenario_id)
  );

-- name: InsertParticipants :copyfrom
-- Inserts the participants of conversations that are new in this transaction
-- (so have no links to replace).
INSERT INTO conversation_participants (source, conversation_id, user_id, role)
VALUES (@source, @conversation_id, @user_id, @role);

-- name: InsertTags :copyfrom
-- Inserts the tags of conversations that are new in this transaction.
INSERT INTO conversation_tags (source, conversation_id, tag, value)
VALUES (@source, @conversation_id, @tag, @value);

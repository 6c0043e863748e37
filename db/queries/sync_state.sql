-- name: GetSyncState :one
SELECT * FROM sync_state WHERE source = @source AND stream = @stream;

-- name: EnsureSyncState :exec
-- Creates a stream's state row if it has none, so that it can be locked:
-- two commands starting a source's first pass at once then take turns.
INSERT INTO sync_state (source, stream) VALUES (@source, @stream)
ON CONFLICT (source, stream) DO NOTHING;

-- name: GetSyncStateForUpdate :one
SELECT * FROM sync_state WHERE source = @source AND stream = @stream FOR UPDATE;

-- name: BeginPass :exec
-- Starts a pass of a stream (the caller holds the state row's lock and has
-- checked that no pass is in flight).
INSERT INTO sync_state AS s (source, stream, run_id, pass_kind, pass_since, pass_recheck_open, pass_thorough, cursor, pass_max, updated_at)
VALUES (@source, @stream, @run_id, @pass_kind, @pass_since, @pass_recheck_open, @pass_thorough, NULL, NULL, now())
ON CONFLICT (source, stream) DO UPDATE SET
    (run_id, pass_kind, pass_since, pass_recheck_open, pass_thorough, cursor, pass_max, updated_at)
    = (excluded.run_id, excluded.pass_kind, excluded.pass_since, excluded.pass_recheck_open, excluded.pass_thorough, NULL, NULL, now())
WHERE s.run_id IS NULL;

-- name: AdvancePass :execrows
-- Moves the pass in flight past one page: the next cursor and the highest
-- modification time seen so far. Only from the cursor the page was read at
-- (zero rows otherwise): two workers that both read the same page (a
-- process thought dead that was only slow) cannot both move the pass.
UPDATE sync_state
SET cursor     = @cursor,
    pass_max   = GREATEST(pass_max, sqlc.narg(page_max)::timestamptz),
    updated_at = now()
WHERE source = @source AND stream = @stream AND run_id = @run_id
  AND cursor IS NOT DISTINCT FROM sqlc.narg(read_at)::text;

-- name: FinishPass :execrows
-- Ends the pass in flight: the watermark becomes the highest modification time
-- seen over the whole pass (never lower than it was), but no later than the
-- pass's start. A record changed during the pass, after its page was read,
-- has a time after the start: the next pass reads from before it. Without
-- the cap, a newer time on a later page could carry the watermark past it.
-- A pass that saw nothing leaves the watermark where it was: the pass's
-- start is the database's clock, not the vendor's, and a vendor whose clock
-- ran behind by more than the overlap would have its changes of that gap
-- never listed. (LEAST ignores a NULL, hence the CASE.) A backfill bounded
-- to a time after the watermark (`backfill --since`) leaves it as well: the
-- changes between the two were not listed, and the next pass lists them.
UPDATE sync_state
SET watermark  = CASE WHEN pass_since > watermark THEN watermark ELSE
        GREATEST(watermark, CASE WHEN COALESCE(pass_max, sqlc.narg(page_max)::timestamptz) IS NOT NULL THEN LEAST(
        GREATEST(pass_max, sqlc.narg(page_max)::timestamptz),
        (SELECT r.started_at FROM sync_runs r WHERE r.id = sync_state.run_id)) END) END,
    cursor     = NULL,
    run_id     = NULL,
    pass_kind  = NULL,
    pass_since = NULL,
    pass_max   = NULL,
    last_error = NULL,
    -- Open conversations' messages were re-read by this pass (a recheck, or
    -- a whole backfill) no earlier than its start.
    open_rechecked_at = CASE WHEN pass_recheck_open OR (pass_kind = 'backfill' AND pass_since IS NULL)
        THEN (SELECT r.started_at FROM sync_runs r WHERE r.id = sync_state.run_id) ELSE open_rechecked_at END,
    swept_at   = CASE WHEN pass_kind = 'sweep' THEN now() ELSE swept_at END,
    pass_recheck_open = false,
    pass_thorough = false,
    updated_at = now()
WHERE sync_state.source = @source AND sync_state.stream = @stream AND sync_state.run_id = @run_id
  AND sync_state.cursor IS NOT DISTINCT FROM sqlc.narg(read_at)::text;

-- name: AbandonPass :exec
-- Drops a pass that cannot go on (bad credentials, a broken listing),
-- keeping the watermark. A sweep given up counts as one for the schedule:
-- the next is tried a sweep interval later, and incremental passes run
-- meanwhile instead of the same failing sweep again and again.
UPDATE sync_state
SET cursor = NULL, run_id = NULL, pass_kind = NULL, pass_since = NULL, pass_max = NULL,
    swept_at = CASE WHEN pass_kind = 'sweep' THEN now() ELSE swept_at END,
    last_error = @last_error, updated_at = now()
WHERE source = @source AND stream = @stream AND run_id = @run_id;

-- name: ListSyncStates :many
SELECT * FROM sync_state ORDER BY source, stream;

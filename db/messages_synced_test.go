package db_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestMarkMessagesSynced checks what marking a conversation's messages read
// records: the latest time for live conversations only, never moved back.
func TestMarkMessagesSynced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewPool(t)
	q := dbq.New(pool)
	_, err := pool.Exec(ctx, `INSERT INTO conversations (source, id, raw, deleted_at)
		VALUES ('s', 'live', '{}', NULL), ('s', 'deleted', '{}', now())`)
	require.NoError(t, err)

	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	mark := func(rows ...map[string]any) {
		t.Helper()
		b, err := json.Marshal(rows)
		require.NoError(t, err)
		require.NoError(t, q.MarkMessagesSyncedMany(ctx, dbq.MarkMessagesSyncedManyParams{Source: "s", Rows: b}))
	}
	marked := func() map[string]time.Time {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT id, synced_for FROM conversation_messages_synced WHERE source = 's'`)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]time.Time{}
		for rows.Next() {
			var id string
			var syncedFor time.Time
			require.NoError(t, rows.Scan(&id, &syncedFor))
			out[id] = syncedFor.UTC()
		}
		require.NoError(t, rows.Err())
		return out
	}

	mark(
		map[string]any{"id": "live", "synced_for": at.Add(-time.Hour)},
		map[string]any{"id": "live", "synced_for": at}, // listed twice: the latest counts
		map[string]any{"id": "deleted", "synced_for": at},
		map[string]any{"id": "absent", "synced_for": at},
		map[string]any{"id": "live"}, // no time: nothing to record
	)
	require.Equal(t, map[string]time.Time{"live": at}, marked(), "only the live conversation, at its latest time")

	mark(map[string]any{"id": "live", "synced_for": at.Add(-2 * time.Hour)})
	require.Equal(t, map[string]time.Time{"live": at}, marked(), "never moved back")
	mark(map[string]any{"id": "live", "synced_for": at.Add(time.Hour)})
	require.Equal(t, map[string]time.Time{"live": at.Add(time.Hour)}, marked())
}

// TestOpenConversationsArePagedByID checks the recheck's paging: every open
// conversation comes once, page after page.
func TestOpenConversationsArePagedByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewPool(t)
	_, err := pool.Exec(ctx, `INSERT INTO conversations (source, id, raw, status, synced_at) VALUES
		('s', 'a', '{}', 'open', now() - interval '1 hour'), ('s', 'b', '{}', 'pending', now() - interval '1 hour'),
		('s', 'c', '{}', 'resolved', now() - interval '1 hour'), ('s', 'd', '{}', NULL, now() - interval '1 hour'),
		('s', 'e', '{}', 'open', now() + interval '1 hour')`)
	require.NoError(t, err)
	q := dbq.New(pool)
	var pages [][]string
	for after := ""; ; {
		rows, err := q.OpenConversationsNotTouchedSince(ctx, dbq.OpenConversationsNotTouchedSinceParams{
			Source: "s", TouchedBefore: time.Now(), AfterID: after, MaxRows: 2,
		})
		require.NoError(t, err)
		var page []string
		for _, r := range rows {
			page = append(page, r.ID)
		}
		pages = append(pages, page)
		if len(rows) < 2 {
			break
		}
		after = rows[len(rows)-1].ID
	}
	require.Equal(t, [][]string{{"a", "b"}, {"d"}}, pages, "open ones not touched since, each once; resolved and touched ones left out")
}

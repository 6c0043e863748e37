package db_test

import (
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
	pool, q := dbtest.NewQueries(t)
	dbtest.Exec(t, pool, `INSERT INTO conversations (source, id, raw, deleted_at)
		VALUES ('s', 'live', '{}', NULL), ('s', 'deleted', '{}', now())`)

	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	mark := func(rows ...map[string]any) {
		t.Helper()
		b, err := json.Marshal(rows)
		require.NoError(t, err)
		require.NoError(t, q.MarkMessagesSyncedMany(t.Context(), dbq.MarkMessagesSyncedManyParams{Source: "s", Rows: b}))
	}
	marked := func() map[string]time.Time {
		t.Helper()
		rows, err := pool.Query(t.Context(), `SELECT id, synced_for FROM conversation_messages_synced WHERE source = 's'`)
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

// TestMessagesSyncedMovesOutOfConversations checks migration 4 both ways:
// what each conversation's messages were read for survives the move to
// conversation_messages_synced and back.
func TestMessagesSyncedMovesOutOfConversations(t *testing.T) {
	t.Parallel()
	pool, provider := dbtest.NewMigrationProvider(t)

	readFor := time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC)
	dbtest.Exec(t, pool, `INSERT INTO conversations (source, id, raw) VALUES ('s', 'read', '{}'), ('s', 'unread', '{}')`)
	dbtest.Exec(t, pool, `INSERT INTO conversation_messages_synced (source, id, synced_for) VALUES ('s', 'read', $1)`, readFor)

	_, err := provider.DownTo(t.Context(), 3)
	require.NoError(t, err)
	column := func(id string) *time.Time {
		return dbtest.Value[*time.Time](t, pool, `SELECT messages_synced_for FROM conversations WHERE source = 's' AND id = $1`, id)
	}
	require.NotNil(t, column("read"))
	require.True(t, readFor.Equal(*column("read")))
	require.Nil(t, column("unread"))

	_, err = provider.Up(t.Context())
	require.NoError(t, err)
	ids := dbtest.Column[string](t, pool, `SELECT id FROM conversation_messages_synced ORDER BY id`)
	fors := dbtest.Column[time.Time](t, pool, `SELECT synced_for FROM conversation_messages_synced ORDER BY id`)
	require.Equal(t, []string{"read"}, ids)
	require.True(t, readFor.Equal(fors[0]))
	require.Zero(t, dbtest.Value[int](t, pool, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'conversations' AND column_name = 'messages_synced_for'`), "the column is gone")
}

// TestOpenConversationsArePagedByID checks the recheck's paging: every open
// conversation comes once, page after page.
func TestOpenConversationsArePagedByID(t *testing.T) {
	t.Parallel()
	pool, q := dbtest.NewQueries(t)
	dbtest.Exec(t, pool, `INSERT INTO conversations (source, id, raw, status, synced_at) VALUES
		('s', 'a', '{}', 'open', now() - interval '1 hour'), ('s', 'b', '{}', 'pending', now() - interval '1 hour'),
		('s', 'c', '{}', 'resolved', now() - interval '1 hour'), ('s', 'd', '{}', NULL, now() - interval '1 hour'),
		('s', 'e', '{}', 'open', now() + interval '1 hour')`)
	var pages [][]string
	for after := ""; ; {
		rows, err := q.OpenConversationsNotTouchedSince(t.Context(), dbq.OpenConversationsNotTouchedSinceParams{
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

package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestMessagesSyncedMovesOutOfConversations checks migration 4 both ways:
// what each conversation's messages were read for survives the move to
// conversation_messages_synced and back.
func TestMessagesSyncedMovesOutOfConversations(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	pool := dbtest.NewPool(t)
	provider := dbtest.NewMigrationProvider(t, pool)

	readFor := time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC)
	_, err := pool.Exec(ctx, `INSERT INTO conversations (source, id, raw) VALUES ('s', 'read', '{}'), ('s', 'unread', '{}')`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO conversation_messages_synced (source, id, synced_for) VALUES ('s', 'read', $1)`, readFor)
	require.NoError(t, err)

	_, err = provider.DownTo(ctx, 3)
	require.NoError(t, err)
	column := func(id string) *time.Time {
		var got *time.Time
		require.NoError(t, pool.QueryRow(ctx, `SELECT messages_synced_for FROM conversations WHERE source = 's' AND id = $1`, id).Scan(&got))
		return got
	}
	require.NotNil(t, column("read"))
	require.True(t, readFor.Equal(*column("read")))
	require.Nil(t, column("unread"))

	_, err = provider.Up(ctx)
	require.NoError(t, err)
	var ids []string
	var fors []time.Time
	rows, err := pool.Query(ctx, `SELECT id, synced_for FROM conversation_messages_synced ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		var at time.Time
		require.NoError(t, rows.Scan(&id, &at))
		ids, fors = append(ids, id), append(fors, at)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"read"}, ids)
	require.True(t, readFor.Equal(fors[0]))
	var columns int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'conversations' AND column_name = 'messages_synced_for'`).Scan(&columns))
	require.Zero(t, columns, "the column is gone")
}

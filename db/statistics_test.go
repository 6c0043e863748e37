package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestAnalyzeIfUnanalyzed: tables that hold rows written since they were
// last analyzed, if ever, get planner statistics, once; a role that cannot
// analyze them is told so.
func TestAnalyzeIfUnanalyzed(t *testing.T) {
	t.Parallel()
	page := func(first, n int) *record.Batch {
		b := &record.Batch{}
		for i := first; i < first+n; i++ {
			id := fmt.Sprint("c", i)
			b.Conversations = append(b.Conversations, record.Conversation{ID: id, Raw: json.RawMessage(`{}`)})
			b.Messages = append(b.Messages, record.Message{ID: "m" + id, ConversationID: id, Raw: json.RawMessage(`{}`)})
		}
		return b
	}
	// write writes the page and waits until the writers' sessions have
	// reported it (within a second or so) to the statistics counters.
	write := func(t *testing.T, pool *pgxpool.Pool, b *record.Batch) {
		t.Helper()
		before := dbtest.Value[int64](t, pool, "SELECT pg_stat_get_live_tuples('messages'::regclass)")
		dbtest.WriteBatch(t, pool, "src", b, db.WriteOptions{})
		require.Eventually(t, func() bool {
			return dbtest.Value[int64](t, pool, "SELECT pg_stat_get_live_tuples('messages'::regclass)") == before+int64(len(b.Messages))
		}, time.Minute, 10*time.Millisecond)
	}
	withStatistics := func(pool *pgxpool.Pool) int {
		return dbtest.Value[int](t, pool, `SELECT count(*)::int FROM pg_stats
			WHERE schemaname = current_schema() AND tablename IN ('conversations', 'messages') AND attname = 'source'`)
	}

	t.Run("AnalyzesTablesFilledSinceOnce", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		analyzed, err := db.AnalyzeIfUnanalyzed(t.Context(), pool)
		require.NoError(t, err)
		require.Empty(t, analyzed, "empty tables need no statistics")

		write(t, pool, page(0, 20))
		require.Zero(t, withStatistics(pool))
		analyzed, err = db.AnalyzeIfUnanalyzed(t.Context(), pool)
		require.NoError(t, err)
		require.Equal(t, []string{"conversation_history", "conversations", "messages"}, analyzed)
		require.Equal(t, 2, withStatistics(pool))

		write(t, pool, page(20, 5))
		analyzed, err = db.AnalyzeIfUnanalyzed(t.Context(), pool)
		require.NoError(t, err)
		require.Empty(t, analyzed, "analyzed since they held most of their rows")
	})

	t.Run("ARoleThatCannotAnalyzeIsToldSo", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		write(t, pool, page(0, 20))
		role := fmt.Sprintf("syncer_reader_%d", time.Now().UnixNano())
		dbtest.Exec(t, pool, fmt.Sprintf(`CREATE ROLE %s LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s`, role))
		t.Cleanup(func() { // roles are the server's, not the test database's
			_, err := pool.Exec(context.Background(), fmt.Sprintf("DROP OWNED BY %s; DROP ROLE %[1]s", role))
			require.NoError(t, err)
		})
		cfg := pool.Config().Copy()
		cfg.ConnConfig.User = role
		reader, err := pgxpool.NewWithConfig(t.Context(), cfg)
		require.NoError(t, err)
		t.Cleanup(reader.Close)

		_, err = db.AnalyzeIfUnanalyzed(t.Context(), reader)
		require.ErrorIs(t, err, db.ErrCannotAnalyze)
		require.Zero(t, withStatistics(pool))
	})
}

package db_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestAnalyzeIfUnanalyzed: tables that hold rows written since they were
// last analyzed, if ever, get planner statistics, once.
func TestAnalyzeIfUnanalyzed(t *testing.T) {
	t.Parallel()
	pool, q := dbtest.NewQueries(t)
	page := func(first, n int) *record.Batch {
		b := &record.Batch{}
		for i := first; i < first+n; i++ {
			id := fmt.Sprint("c", i)
			b.Conversations = append(b.Conversations, record.Conversation{ID: id, Raw: json.RawMessage(`{}`)})
			b.Messages = append(b.Messages, record.Message{ID: "m" + id, ConversationID: id, Raw: json.RawMessage(`{}`)})
		}
		return b
	}
	withStatistics := func() int {
		return dbtest.Value[int](t, pool, `SELECT count(*)::int FROM pg_stats
			WHERE schemaname = current_schema() AND tablename IN ('conversations', 'messages') AND attname = 'source'`)
	}

	n, err := db.AnalyzeIfUnanalyzed(t.Context(), q)
	require.NoError(t, err)
	require.Zero(t, n, "empty tables need no statistics")

	dbtest.WriteBatch(t, pool, "src", page(0, 20), db.WriteOptions{})
	// The writers' sessions report their row counts within a second or so.
	require.Eventually(t, func() bool {
		return dbtest.Value[int64](t, pool, "SELECT pg_stat_get_live_tuples('messages'::regclass)") > 0
	}, time.Minute, 10*time.Millisecond)
	require.Zero(t, withStatistics())
	n, err = db.AnalyzeIfUnanalyzed(t.Context(), q)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 2, "conversations and messages, and the history written with them")
	require.Equal(t, 2, withStatistics())

	dbtest.WriteBatch(t, pool, "src", page(20, 5), db.WriteOptions{})
	n, err = db.AnalyzeIfUnanalyzed(t.Context(), q)
	require.NoError(t, err)
	require.Zero(t, n, "analyzed since they held most of their rows")
}

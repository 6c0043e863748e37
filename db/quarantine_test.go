package db_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestChatsAndSLATrackersLeaveQuarantine requires a quarantined chat to be
// resolved when the chat lands, and a quarantined SLA tracker when its
// conversation's SLA is stored in full.
func TestChatsAndSLATrackersLeaveQuarantine(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Quarantined: []record.Quarantined{
		{Stream: record.StreamChats, RecordID: "ch1", Error: "refused"},
		{Stream: record.StreamChats, RecordID: "ch2", Error: "refused"},
		{Stream: record.StreamSLATrackers, RecordID: "t1", ParentID: "c1", Error: "decode"},
		{Stream: record.StreamSLATrackers, RecordID: "t2", ParentID: "c2", Error: "decode"},
	}}, db.WriteOptions{})

	dbtest.WriteBatch(t, pool, "src", &record.Batch{
		Chats:        []record.Chat{{ID: "ch1", Raw: json.RawMessage(`{}`)}},
		MembersOf:    []string{"ch1"},
		SLAOf:        []string{"c1"},
		SLASummaries: []record.SLASummary{{ConversationID: "c1", Stage: "running"}},
	}, db.WriteOptions{})
	open := dbtest.Column[string](t, pool, "SELECT record_id FROM quarantine WHERE resolved_at IS NULL ORDER BY record_id")
	require.Equal(t, []string{"ch2", "t2"}, open)
}

// TestOpenQuarantineTakesTheLeastRecentlyTriedFirst requires the retries to
// go round every open record, not the same first ones every time.
func TestOpenQuarantineTakesTheLeastRecentlyTriedFirst(t *testing.T) {
	t.Parallel()
	pool, q := dbtest.NewQueries(t)
	var quarantined []record.Quarantined
	for _, id := range []string{"a", "b", "c"} {
		quarantined = append(quarantined, record.Quarantined{Stream: record.StreamConversations, RecordID: id, Error: "decode"})
	}
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Quarantined: quarantined}, db.WriteOptions{})
	// Each retry is a transaction of its own, later than the one before.
	retry := func() []string {
		t.Helper()
		rows, err := q.OpenQuarantine(t.Context(), dbq.OpenQuarantineParams{Source: "src", MaxRows: 2})
		require.NoError(t, err)
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.RecordID
		}
		return ids
	}
	require.Equal(t, []string{"a", "b"}, retry())
	require.Equal(t, []string{"a", "c"}, retry(), "c, never tried, goes before b")
	require.Equal(t, []string{"a", "b"}, retry(), "b, tried first, goes before a and c")

	// One that fails again waits behind those tried before it.
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Quarantined: quarantined[:1]}, db.WriteOptions{})
	require.Equal(t, []string{"b", "c"}, retry())
}

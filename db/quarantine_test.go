package db_test

import (
	"encoding/json"
	"testing"
	"time"

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
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Conversations: []record.Conversation{
		{ID: "c1", Raw: json.RawMessage(`{}`)}, {ID: "c2", Raw: json.RawMessage(`{}`)},
	}}, db.WriteOptions{})
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

// TestAnOlderTransactionDoesNotDateASightingBack: now() is when a
// transaction began, so a page whose transaction began before another's
// and commits after it must not move the record's last sighting back: a
// whole read that began between the two would take the record, which it
// saw, for gone at the source (ResolveEntriesGone).
func TestAnOlderTransactionDoesNotDateASightingBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := dbtest.NewPool(t)
	bad := &record.Batch{Quarantined: []record.Quarantined{{Stream: record.StreamMessages, RecordID: "e1", ParentID: "c1", Error: "decode"}}}
	older, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = older.Rollback(ctx) }()
	began := dbtest.Value[time.Time](t, older, "SELECT now()")

	dbtest.WriteBatch(t, pool, "src", bad, db.WriteOptions{})
	lastSeen := "SELECT last_seen_at FROM quarantine WHERE record_id = 'e1'"
	later := dbtest.Value[time.Time](t, pool, lastSeen)
	require.True(t, later.After(began))

	_, err = db.WriteBatch(ctx, older, "src", bad, db.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, older.Commit(ctx))
	require.True(t, later.Equal(dbtest.Value[time.Time](t, pool, lastSeen)), "the later sighting stays the last")
}

// TestReadsInQuarantineDoNotCrowdOutOthers: of the conversations behind on
// their messages, a pass asks for a limited number; those whose read is in
// quarantine (failing every time, say) come last, so that however many
// there are, the others are read.
func TestReadsInQuarantineDoNotCrowdOutOthers(t *testing.T) {
	t.Parallel()
	pool, q := dbtest.NewQueries(t)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Conversations: []record.Conversation{
		{ID: "a", ModifiedAt: at, Raw: json.RawMessage(`{}`)},
		{ID: "b", ModifiedAt: at, Raw: json.RawMessage(`{}`)},
		{ID: "c", ModifiedAt: at, Raw: json.RawMessage(`{}`)},
	}}, db.WriteOptions{})
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Quarantined: []record.Quarantined{
		{Stream: record.StreamMessages, RecordID: "conversation:a", ParentID: "a", Error: "refused"},
		{Stream: record.StreamMessages, RecordID: "conversation:b", ParentID: "b", Error: "refused"},
		{Stream: record.StreamMessages, RecordID: "m1", ParentID: "c", Error: "decode"}, // one message: its read works
	}}, db.WriteOptions{})
	behind, err := q.ConversationsNeedingMessages(t.Context(), dbq.ConversationsNeedingMessagesParams{
		Source: "src", TouchedBefore: time.Now().Add(time.Hour), MaxRows: 2,
	})
	require.NoError(t, err)
	var ids []string
	for _, c := range behind {
		ids = append(ids, c.ID)
	}
	require.Equal(t, []string{"c", "a"}, ids)
}

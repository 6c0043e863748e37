package db_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestMarkMessagesGone: a complete read of a conversation, begun at some
// time, marks deleted the messages it did not see since, and only those.
func TestMarkMessagesGone(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	body := func(s string) *string { return &s }
	msg := func(id string, modified time.Time) record.Message {
		return record.Message{ID: id, ConversationID: "c1", Body: body("text of " + id), CreatedAt: t0, ModifiedAt: modified,
			Raw: json.RawMessage(`{"text":"text of ` + id + `"}`)}
	}
	// page writes a batch in a transaction of its own and returns that
	// transaction's time: when a read that began with it began.
	page := func(t *testing.T, pool *pgxpool.Pool, b *record.Batch) time.Time {
		t.Helper()
		var at time.Time
		require.NoError(t, pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
			if _, err := db.WriteBatch(t.Context(), tx, "src", b, db.WriteOptions{}); err != nil {
				return err
			}
			var err error
			at, err = dbq.New(tx).TransactionTime(t.Context())
			return err
		}))
		return at
	}
	gone := func(t *testing.T, pool *pgxpool.Pool, since time.Time, from *time.Time) []string {
		t.Helper()
		return markGone(t, pool, goneRead{ConversationID: "c1", ReadSince: since, CoveredFrom: from})
	}

	t.Run("WhatTheReadDidNotSeeIsDeletedAndLosesItsText", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page(t, pool, &record.Batch{
			Messages:    []record.Message{msg("m1", t0), msg("m2", t0), msg("m3", t0)},
			Attachments: []record.Attachment{{ID: "a2", MessageID: "m2", Raw: json.RawMessage(`{}`)}},
		})
		since := page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0)}})
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m3", t0)}})
		require.Equal(t, []string{"m2"}, gone(t, pool, since, nil))

		var deleted bool
		var text *string
		var raw string
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT deleted_at IS NOT NULL, body, raw::text FROM messages WHERE id = 'm2'").Scan(&deleted, &text, &raw))
		require.True(t, deleted)
		require.Nil(t, text, "no text kept of a message deleted at the source")
		require.Equal(t, "{}", raw)
		require.True(t, dbtest.Value[bool](t, pool, "SELECT deleted_at IS NOT NULL FROM attachments WHERE id = 'a2'"), "nor its attachments")

		require.Empty(t, gone(t, pool, since, nil), "running it again changes nothing")
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m2", t0)}})
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT deleted_at IS NOT NULL, body FROM messages WHERE id = 'm2'").Scan(&deleted, &text))
		require.False(t, deleted, "a message seen again is live again")
		require.NotNil(t, text)
	})

	t.Run("AnOlderCopyCountsAsSeen", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0.Add(time.Hour)), msg("m2", t0)}})
		// A read that began later gets a stale copy of m1 (an older
		// modification time), which writes nothing, but m1 exists.
		since := page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0), msg("m2", t0)}})
		require.Empty(t, gone(t, pool, since, nil))
	})

	t.Run("OnlyWhatTheReadCoveredIsReconciled", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		old, recent := msg("old", t0), msg("recent", t0)
		recent.CreatedAt = t0.Add(time.Hour)
		page(t, pool, &record.Batch{Messages: []record.Message{old, recent}})
		since := page(t, pool, &record.Batch{})
		from := t0.Add(time.Minute)
		require.Equal(t, []string{"recent"}, gone(t, pool, since, &from), "the old one is beyond the window the read covered")
	})

	t.Run("EachReadIsReconciledOnItsOwn", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		other := func(id string) record.Message { m := msg(id, t0); m.ConversationID = "c2"; return m }
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0), other("n1")}})
		early := page(t, pool, &record.Batch{})
		page(t, pool, &record.Batch{Messages: []record.Message{other("n1")}})
		late := page(t, pool, &record.Batch{})
		// c1's read began after m1 was stored and did not see it; c2's began
		// before n1 was seen again.
		ids := markGone(t, pool, goneRead{ConversationID: "c1", ReadSince: late}, goneRead{ConversationID: "c2", ReadSince: early})
		require.Equal(t, []string{"m1"}, ids)
	})

	t.Run("AConcurrentReadThatBeganEarlierDoesNotHideWhatALaterOneSaw", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		// Two reads of one conversation at once (a conversation listed
		// twice). The first begins its transaction, then the second reads
		// m1 on its first page and commits; the first commits m1 after.
		earlier, err := pool.Begin(t.Context())
		require.NoError(t, err)
		defer func() { _ = earlier.Rollback(t.Context()) }()
		began, err := dbq.New(earlier).TransactionTime(t.Context())
		require.NoError(t, err)
		since := page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0)}})
		require.True(t, began.Before(since))
		_, err = db.WriteBatch(t.Context(), earlier, "src", &record.Batch{Messages: []record.Message{msg("m1", t0)}}, db.WriteOptions{UpsertOnly: true})
		require.NoError(t, err)
		require.NoError(t, earlier.Commit(t.Context()))
		// The second read's last page did not show m1 again: m1 was seen
		// since the read began, whatever the earlier transaction wrote.
		require.Empty(t, gone(t, pool, since, nil))
	})

	// stale writes the copies a job that began at began fetched then, and
	// commits them now, after what the other subtests' later reads did.
	stale := func(t *testing.T, pool *pgxpool.Pool, began time.Time, b *record.Batch) {
		t.Helper()
		require.NoError(t, pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
			_, err := db.WriteBatch(t.Context(), tx, "src", b, db.WriteOptions{FetchedAfter: began})
			return err
		}))
	}

	t.Run("ACopyStoredAfterTheReadBeganCountsAsSeen", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0)}})
		// A job begins; then a read begins and looks; then m2 is created
		// at the source, and the job fetches and stores it. Whether the
		// job fetched m2 before or after the read looked, the database
		// cannot tell: it was stored after the read began, so it counts
		// as seen, and the next read settles it.
		began := page(t, pool, &record.Batch{})
		since := page(t, pool, &record.Batch{})
		stale(t, pool, began, &record.Batch{Messages: []record.Message{msg("m2", t0)}})
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0)}})
		require.Empty(t, gone(t, pool, since, nil), "m2 may be newer than what the read saw")
		require.Equal(t, []string{"c1"}, overtaken(t, pool, goneRead{ConversationID: "c1", ReadSince: since, Seen: 1}),
			"two messages stored since the read began, which saw one: it must read again")
		require.Empty(t, overtaken(t, pool, goneRead{ConversationID: "c1", ReadSince: since, Seen: 2}), "it saw both")
		require.Empty(t, overtaken(t, pool, goneRead{ConversationID: "c2", ReadSince: since}), "nothing of another conversation")
	})

	t.Run("AStaleCopyDoesNotBringBackWhatALaterReadFoundGone", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page(t, pool, &record.Batch{
			Messages:    []record.Message{msg("m1", t0), msg("m2", t0)},
			Attachments: []record.Attachment{{ID: "a2", MessageID: "m2", Raw: json.RawMessage(`{}`)}},
		})
		began := page(t, pool, &record.Batch{})
		since := page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0)}})
		require.Equal(t, []string{"m2"}, gone(t, pool, since, nil))
		// The job that began before the read commits its copy of m2 after
		// the read's last page.
		stale(t, pool, began, &record.Batch{
			Messages: []record.Message{msg("m2", t0)},
			Attachments: []record.Attachment{
				{ID: "a2", MessageID: "m2", Raw: json.RawMessage(`{}`)},
				{ID: "a9", MessageID: "m2", Raw: json.RawMessage(`{"url":"x"}`)},
			},
		})
		require.True(t, dbtest.Value[bool](t, pool, "SELECT deleted_at IS NOT NULL AND body IS NULL FROM messages WHERE id = 'm2'"), "m2 stays deleted, without its text")
		require.True(t, dbtest.Value[bool](t, pool, "SELECT deleted_at IS NOT NULL FROM attachments WHERE id = 'a2'"), "and so does its attachment")
		require.True(t, dbtest.Value[bool](t, pool, "SELECT deleted_at IS NOT NULL AND raw = '{}' FROM attachments WHERE id = 'a9'"), "and one the mirror never held")
		require.Empty(t, gone(t, pool, since, nil))

		// A copy fetched after the deletion was recorded is news: m2 is back
		// at the source.
		page(t, pool, &record.Batch{
			Messages:    []record.Message{msg("m2", t0)},
			Attachments: []record.Attachment{{ID: "a2", MessageID: "m2", Raw: json.RawMessage(`{}`)}},
		})
		require.True(t, dbtest.Value[bool](t, pool, "SELECT deleted_at IS NULL AND body IS NOT NULL FROM messages WHERE id = 'm2'"))
		require.True(t, dbtest.Value[bool](t, pool, "SELECT deleted_at IS NULL FROM attachments WHERE id = 'a2'"))
	})

	t.Run("QuarantinedMessagesWereSeen", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page(t, pool, &record.Batch{Messages: []record.Message{msg("m1", t0)}})
		since := page(t, pool, &record.Batch{Quarantined: []record.Quarantined{{Stream: record.StreamMessages, RecordID: "m1", ParentID: "c1", Raw: "{", Error: "bad"}}})
		require.Empty(t, gone(t, pool, since, nil))
	})
}

// goneRead is a finished read, as MarkMessagesGone takes it.
type goneRead struct {
	ConversationID string     `json:"conversation_id"`
	ReadSince      time.Time  `json:"read_since"`
	CoveredFrom    *time.Time `json:"covered_from"`
	Seen           int        `json:"seen"`
}

// overtaken runs MarkMessagesGone for reads and returns the conversations
// of those another read overtook.
func overtaken(t *testing.T, pool *pgxpool.Pool, reads ...goneRead) []string {
	t.Helper()
	var ids []string
	for _, r := range markGoneRows(t, pool, reads...) {
		if r.Overtaken {
			ids = append(ids, r.ConversationID)
		}
	}
	return ids
}

// markGone runs MarkMessagesGone for reads and returns the message ids.
func markGone(t *testing.T, pool *pgxpool.Pool, reads ...goneRead) []string {
	t.Helper()
	var ids []string
	for _, r := range markGoneRows(t, pool, reads...) {
		ids = append(ids, r.GoneIds...)
	}
	return ids
}

func markGoneRows(t *testing.T, pool *pgxpool.Pool, reads ...goneRead) []dbq.MarkMessagesGoneRow {
	t.Helper()
	doc, err := json.Marshal(reads)
	require.NoError(t, err)
	rows, err := dbq.New(pool).MarkMessagesGone(t.Context(), dbq.MarkMessagesGoneParams{Source: "src", Reads: doc})
	require.NoError(t, err)
	return rows
}

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

	// A read's end is when its transaction marks it, after its writes, not
	// when the transaction began: one that began before another read did,
	// waited (for LockReadEnds, say), then stored copies older than what
	// that read had stored meanwhile, must count as ending after that read
	// began, so that the read is done again (ReadsEndedSince).
	ended := func() time.Time {
		return dbtest.Value[time.Time](t, pool, "SELECT read_done_at FROM conversation_messages_synced WHERE id = 'live'")
	}
	begin := func() pgx.Tx {
		tx, err := pool.Begin(t.Context())
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
		_, err = tx.Exec(t.Context(), "SELECT now()") // the transaction's time is now fixed
		require.NoError(t, err)
		return tx
	}
	early, late := begin(), begin()
	readBegan := dbtest.Value[time.Time](t, pool, "SELECT clock_timestamp()")
	row, err := json.Marshal([]map[string]any{{"id": "live", "synced_for": at}})
	require.NoError(t, err)
	for _, tx := range []pgx.Tx{late, early} {
		require.NoError(t, dbq.New(tx).MarkMessagesSyncedMany(t.Context(), dbq.MarkMessagesSyncedManyParams{Source: "s", Rows: row}))
		require.NoError(t, tx.Commit(t.Context()))
	}
	require.True(t, ended().After(readBegan), "the end %v is before a read that began before it was marked (%v)", ended(), readBegan)
	reads, err := json.Marshal([]map[string]any{{"conversation_id": "live", "read_since": readBegan}})
	require.NoError(t, err)
	again, err := q.ReadsEndedSince(t.Context(), dbq.ReadsEndedSinceParams{Source: "s", Reads: reads})
	require.NoError(t, err)
	require.Equal(t, []string{"live"}, again)

	// A read with no modification time records its end alone.
	before := ended()
	require.NoError(t, q.MarkReadsEnded(t.Context(), dbq.MarkReadsEndedParams{Source: "s", Ids: []string{"live", "absent"}}))
	require.True(t, ended().After(before))
	require.Equal(t, map[string]time.Time{"live": at.Add(time.Hour)}, marked(), "its time is left as it was")
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
	// a, b, d: open, their messages read before; c resolved; e's messages
	// read since; f rewritten since (a listing's overlap) but its messages
	// read before, g behind (another read is queued for it anyway).
	dbtest.Exec(t, pool, `INSERT INTO conversations (source, id, raw, status, synced_at, modified_at) VALUES
		('s', 'a', '{}', 'open', now() - interval '1 hour', NULL), ('s', 'b', '{}', 'pending', now() - interval '1 hour', NULL),
		('s', 'c', '{}', 'resolved', now() - interval '1 hour', NULL), ('s', 'd', '{}', NULL, now() - interval '1 hour', NULL),
		('s', 'e', '{}', 'open', now() - interval '1 hour', '2024-01-01'), ('s', 'f', '{}', 'open', now() + interval '1 hour', '2024-01-01'),
		('s', 'g', '{}', 'open', now() - interval '1 hour', '2024-02-01')`)
	dbtest.Exec(t, pool, `INSERT INTO conversation_messages_synced (source, id, synced_for, read_done_at) VALUES
		('s', 'e', '2024-01-01', now() + interval '1 hour'), ('s', 'f', '2024-01-01', now() - interval '1 hour'),
		('s', 'g', '2024-01-01', now() - interval '1 hour')`)
	var pages [][]string
	for after := ""; ; {
		rows, err := q.OpenConversationsNotReadSince(t.Context(), dbq.OpenConversationsNotReadSinceParams{
			Source: "s", ReadBefore: time.Now(), AfterID: after, MaxRows: 2,
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
	require.Equal(t, [][]string{{"a", "b"}, {"d", "f"}, nil}, pages, "open ones whose messages were not read since, each once; resolved, read and behind ones left out")
}

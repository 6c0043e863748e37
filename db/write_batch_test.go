package db_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

func TestWriteBatch(t *testing.T) {
	t.Parallel()

	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	raw := json.RawMessage(`{}`)
	conv := func(id, title string, modified time.Time) record.Conversation {
		return record.Conversation{ID: id, Title: title, ModifiedAt: modified, Raw: raw}
	}
	write := func(t *testing.T, pool *pgxpool.Pool, b *record.Batch) db.WriteResult {
		t.Helper()
		return dbtest.WriteBatch(t, pool, "src", b, db.WriteOptions{})
	}
	queryString := dbtest.Value[string]

	t.Run("OlderCopyNeverOverwritesNewer", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("c1", "new", t0.Add(time.Hour))}})
		res := write(t, pool, &record.Batch{
			Conversations:  []record.Conversation{conv("c1", "old", t0)},
			Participants:   []record.Participant{{ConversationID: "c1", UserID: "u", Role: record.RoleMember}},
			ParticipantsOf: []string{"c1"},
		})
		require.Empty(t, res.Conversations, "the older copy is not written")
		require.Equal(t, "new", queryString(t, pool, "SELECT title FROM conversations WHERE id = 'c1'"))
		require.Equal(t, "0", queryString(t, pool, "SELECT count(*)::text FROM conversation_participants"), "nor are its links")
	})

	t.Run("AStaleCopyDoesNotBringBackWhatAGetFoundGone", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page := func() *record.Batch {
			return &record.Batch{
				Conversations: []record.Conversation{conv("c1", "t", t0)},
				Chats:         []record.Chat{{ID: "ch1", ModifiedAt: t0, Raw: raw}},
			}
		}
		write(t, pool, page())
		// A job begins and fetches c1 and ch1; both are deleted at the
		// source, and gets answering 404 mark them deleted; the job's page
		// commits after.
		began := dbtest.Value[time.Time](t, pool, "SELECT now()")
		q := dbq.New(pool)
		require.NoError(t, q.MarkConversationsDeleted(t.Context(), dbq.MarkConversationsDeletedParams{Source: "src", Ids: []string{"c1"}}))
		require.NoError(t, q.MarkChatsDeleted(t.Context(), dbq.MarkChatsDeletedParams{Source: "src", Ids: []string{"ch1"}}))
		stale := dbtest.WriteBatch(t, pool, "src", page(), db.WriteOptions{FetchedAfter: began})
		require.Empty(t, stale.Conversations, "the stale copy is not written")
		deleted := "SELECT (SELECT deleted_at IS NOT NULL FROM conversations WHERE id = 'c1') AND (SELECT deleted_at IS NOT NULL FROM chats WHERE id = 'ch1')"
		require.True(t, dbtest.Value[bool](t, pool, deleted))

		// A job that began after the deletion (a false one) brings them
		// back.
		res := write(t, pool, page())
		require.Len(t, res.Conversations, 1)
		require.True(t, dbtest.Value[bool](t, pool, "SELECT (SELECT deleted_at IS NULL FROM conversations WHERE id = 'c1') AND (SELECT deleted_at IS NULL FROM chats WHERE id = 'ch1')"))
	})

	t.Run("DuplicateRecordsInOnePageKeepTheNewest", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		res := write(t, pool, &record.Batch{Conversations: []record.Conversation{
			conv("c1", "second", t0.Add(time.Minute)), conv("c1", "first", t0), conv("c2", "x", t0),
		}})
		require.Len(t, res.Conversations, 2)
		require.Equal(t, "second", queryString(t, pool, "SELECT title FROM conversations WHERE id = 'c1'"))
	})

	t.Run("LinksAreReplacedAndRevived", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		links := func(users ...string) *record.Batch {
			b := &record.Batch{Conversations: []record.Conversation{conv("c1", "t", t0)}, ParticipantsOf: []string{"c1"}}
			for _, u := range users {
				b.Participants = append(b.Participants, record.Participant{ConversationID: "c1", UserID: u, Role: record.RoleMember})
				b.Tags = append(b.Tags, record.Tag{ConversationID: "c1", Tag: "tag-" + u})
			}
			return b
		}
		live := func() string {
			return queryString(t, pool, "SELECT coalesce(string_agg(user_id, ',' ORDER BY user_id), '') FROM conversation_participants WHERE deleted_at IS NULL")
		}
		write(t, pool, links("a", "b"))
		require.Equal(t, "a,b", live())
		write(t, pool, links("b", "c"))
		require.Equal(t, "b,c", live())
		require.Equal(t, "a", queryString(t, pool, "SELECT user_id FROM conversation_participants WHERE deleted_at IS NOT NULL"))
		require.Equal(t, "tag-a", queryString(t, pool, "SELECT tag FROM conversation_tags WHERE deleted_at IS NOT NULL"))
		write(t, pool, links("a", "b", "c"))
		require.Equal(t, "a,b,c", live(), "a link that comes back is revived")
	})

	t.Run("SLAOfAConversationWithoutSLAIsSoftDeleted", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{
			Conversations: []record.Conversation{conv("c1", "t", t0)},
			SLAOf:         []string{"c1"},
			SLASummaries:  []record.SLASummary{{ConversationID: "c1", Stage: "running", Raw: raw}},
			SLAMetrics:    []record.SLAMetric{{ConversationID: "c1", Metric: "first_response", Raw: raw}},
		})
		write(t, pool, &record.Batch{SLAOf: []string{"c1"}}) // its tracker read gone
		require.Equal(t, "1 1", queryString(t, pool,
			"SELECT (SELECT count(deleted_at) FROM sla_summaries) || ' ' || (SELECT count(deleted_at) FROM sla_metrics)"))
	})

	t.Run("AnSLATrackerOfAConversationNotHeldLiveStoresNothing", func(t *testing.T) {
		t.Parallel()
		// Trackers read on their own (batches without conversations): the
		// conversation may be gone since, or never stored.
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("c1", "t", t0), conv("gone", "t", t0)}})
		dbtest.Exec(t, pool, "UPDATE conversations SET deleted_at = now() WHERE id = 'gone'")
		for _, id := range []string{"ghost", "gone", "c1"} {
			write(t, pool, slaTrackerRead(id, "active"))
		}
		require.Equal(t, "c1 active", liveSLAMetrics(t, pool))
		require.Equal(t, "0", queryString(t, pool, "SELECT count(*)::text FROM sla_summaries WHERE conversation_id <> 'c1'"))
	})

	t.Run("TextWithNULsIsCleanedNotFatal", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		body := "before\x00after"
		write(t, pool, &record.Batch{Messages: []record.Message{{
			ID: "m1", ConversationID: "c1", Body: &body, Raw: json.RawMessage(`{"body":"before\u0000after","ok":"\\u0000 stays"}`),
		}}})
		require.Equal(t, "beforeafter", queryString(t, pool, "SELECT body FROM messages"))
		require.Equal(t, `\u0000 stays`, queryString(t, pool, "SELECT raw->>'ok' FROM messages"))
	})

	t.Run("DeletedMessageKeepsItsRowWithoutBody", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		body := "hello"
		write(t, pool, &record.Batch{Messages: []record.Message{{ID: "m1", ConversationID: "c1", Body: &body, ModifiedAt: t0, Raw: raw}}})
		write(t, pool, &record.Batch{Messages: []record.Message{{ID: "m1", ConversationID: "c1", ModifiedAt: t0.Add(time.Minute), Raw: raw}}})
		require.Equal(t, "null live", queryString(t, pool,
			"SELECT coalesce(body, 'null') || ' ' || CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END FROM messages"))
	})

	t.Run("QuarantineCountsAttempts", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		q := record.Quarantined{Stream: "conversations", RecordID: "bad", Raw: `{"id":"bad"`, Error: "decode"}
		write(t, pool, &record.Batch{Quarantined: []record.Quarantined{q}})
		write(t, pool, &record.Batch{Quarantined: []record.Quarantined{q}})
		require.Equal(t, "2", queryString(t, pool, "SELECT attempts::text FROM quarantine WHERE record_id = 'bad'"))
	})

	// Migration 00011: large raw documents are compressed with lz4, on
	// either write path.
	t.Run("RawDocumentsAreCompressedWithLZ4", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		if !dbtest.Value[bool](t, pool, "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'") {
			t.Skip("this PostgreSQL server is built without lz4")
		}
		big := json.RawMessage(fmt.Sprintf(`{"description":%q}`, strings.Repeat("the printer is on fire again ", 400)))
		page := func(modified time.Time) *record.Batch {
			return &record.Batch{
				Conversations: []record.Conversation{{ID: "c1", ModifiedAt: modified, Raw: big}},
				Messages:      []record.Message{{ID: "m1", ConversationID: "c1", ModifiedAt: modified, Raw: big}},
			}
		}
		compression := "SELECT string_agg(pg_column_compression(raw), ' ') FROM (SELECT raw FROM conversations UNION ALL SELECT raw FROM messages) r"
		write(t, pool, page(t0))
		require.Equal(t, "lz4 lz4", queryString(t, pool, compression), "inserted with COPY")
		write(t, pool, page(t0.Add(time.Hour)))
		require.Equal(t, "lz4 lz4", queryString(t, pool, compression), "upserted")
	})
}

// oddBatch is a page with every value the two write paths could store
// differently: empty strings and zero times (NULL), NULs and invalid UTF-8 in
// text, \u0000 in raw documents, nanoseconds (halfway ones too), missing raw documents, absent
// optional numbers.
func oddBatch() *record.Batch {
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	body, empty, odd := "hello\x00 world", "", "bad \xff\xfe utf8 \xed\xa0\x80 end"
	size, minutes, yes := int64(2048), int64(42), true
	raw := json.RawMessage(`{"text":"a\u0000b","keep":"\\u0000","n":1.50,"nested":{"k":[1,2,{}]}}`)
	return &record.Batch{
		Conversations: []record.Conversation{
			{ID: "c1", DisplayID: "CONV-1", Title: odd, Description: "", Status: "open", NativeStatus: "new",
				Priority: "p1", Channel: "email", CreatedAt: at, ModifiedAt: at.Add(time.Nanosecond * 500), Raw: raw},
			{ID: "c2", Title: "second", ModifiedAt: at.Add(-time.Hour)},
		},
		ParticipantsOf: []string{"c1", "c2"},
		Participants: []record.Participant{
			{ConversationID: "c1", UserID: "u1", Role: record.RoleMember},
			{ConversationID: "c1", UserID: "u2\x00", Role: record.RoleOwner},
		},
		Tags:  []record.Tag{{ConversationID: "c1", Tag: "vip"}, {ConversationID: "c1", Tag: "tier", Value: odd}},
		SLAOf: []string{"c1", "c2"},
		SLASummaries: []record.SLASummary{
			{ConversationID: "c1", Stage: "running", TargetTime: at, ClosestToBreachMetric: "first_response", SLAName: "Gold", Raw: raw},
			{ConversationID: "c2"},
		},
		SLAMetrics: []record.SLAMetric{
			{ConversationID: "c1", Metric: "first_response", Status: "completed", Stage: "done", TargetTime: at,
				WarningTargetTime: at.Add(-time.Minute), CompletedAt: at.Add(time.Microsecond), CompletedInMinutes: &minutes,
				InPolicy: &yes, Raw: raw},
			{ConversationID: "c1", Metric: "resolution"},
		},
		Messages: []record.Message{
			{ID: "m1", ConversationID: "c1", AuthorID: "u1", AuthorType: "agent", Body: &body, BodyType: "text",
				Visibility: "public", CreatedAt: at, ModifiedAt: at.Add(999 * time.Nanosecond), Raw: raw},
			{ID: "m2", ConversationID: "c1", Body: &empty},
			{ID: "m3", ConversationID: "c2", Body: nil, Visibility: "internal", Raw: json.RawMessage(`[]`)},
			// Halfway between two microseconds: PostgreSQL rounds to even.
			{ID: "m4", ConversationID: "c2", CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 2500, time.UTC),
				ModifiedAt: time.Date(2026, 3, 1, 12, 0, 0, 123456500, time.UTC)},
			{ID: "m5", ConversationID: "c2", CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 500, time.UTC),
				ModifiedAt: time.Date(2026, 3, 1, 12, 0, 0, 999999500, time.UTC)},
		},
		Attachments: []record.Attachment{
			{ID: "a1", MessageID: "m1", Name: odd, ContentType: "image/png", Size: &size, Raw: raw},
			{ID: "a2", MessageID: "m1"},
		},
	}
}

// TestCopyAndUpsertStoreTheSame writes the same odd page once as new rows
// (COPY) and once with upserts only, and requires every column of every row
// to be equal: a row's content must not depend on the path it took.
func TestCopyAndUpsertStoreTheSame(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	copied := dbtest.WriteBatch(t, pool, "copied", oddBatch(), db.WriteOptions{})
	upserted := dbtest.WriteBatch(t, pool, "upserted", oddBatch(), db.WriteOptions{UpsertOnly: true})
	require.Equal(t, writtenByID(upserted), writtenByID(copied))
	require.Equal(t, upserted.Tables, copied.Tables)

	for _, table := range []string{
		"conversations", "conversation_participants", "conversation_tags", "sla_summaries", "sla_metrics",
		"messages", "attachments",
	} {
		got, want := tableRows(t, pool, table, "copied"), tableRows(t, pool, table, "upserted")
		require.NotEmpty(t, want, table)
		require.Equal(t, want, got, "%s: COPY stored something else than the upsert", table)
	}
}

// writtenByID describes a WriteResult's conversations comparably: times as
// instants in UTC.
func writtenByID(res db.WriteResult) map[string]string {
	out := map[string]string{}
	for _, c := range res.Conversations {
		out[c.ID] = fmt.Sprintf("modified %s, behind %t, synced for %s",
			c.ModifiedAt.UTC().Format(time.RFC3339Nano), c.MessagesBehind, c.MessagesSyncedFor.UTC().Format(time.RFC3339Nano))
	}
	return out
}

// tableRows returns a source's rows of table as JSON text, without the
// columns that differ by design (source, and the write's own time).
func tableRows(t *testing.T, pool *pgxpool.Pool, table, source string) []string {
	t.Helper()
	return dbtest.Column[string](t, pool,
		"SELECT (to_jsonb(t) - 'source' - 'synced_at' - 'listed_at')::text AS r FROM "+pgx.Identifier{table}.Sanitize()+
			" AS t WHERE source = $1 ORDER BY r", source)
}

// TestInsertRaceFallsBackToUpsert runs the race WriteOptions documents: a
// page inserts a conversation as new while another transaction, which did
// not see it yet, does the same. The second COPY fails as an insert race, and
// the page written again with UpsertOnly lands.
func TestInsertRaceFallsBackToUpsert(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := dbtest.NewPool(t)
	batch := func(title string) *record.Batch {
		return &record.Batch{Conversations: []record.Conversation{{ID: "c1", Title: title, ModifiedAt: time.Now()}}}
	}

	first, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = first.Rollback(ctx) }()
	_, err = db.WriteBatch(ctx, first, "src", batch("first"), db.WriteOptions{})
	require.NoError(t, err)

	// The second page does not see the first's uncommitted row, so it
	// inserts too, and waits on it.
	raced := make(chan error, 1)
	go func() {
		raced <- pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := db.WriteBatch(ctx, tx, "src", batch("second"), db.WriteOptions{})
			return err
		})
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 10*time.Millisecond, "the second COPY waits on the first transaction")
	require.NoError(t, first.Commit(ctx))

	err = <-raced
	require.Error(t, err)
	require.True(t, db.IsInsertRace(err), "%v", err)
	require.False(t, db.IsInsertRace(errors.New("other")))

	dbtest.WriteBatch(t, pool, "src", batch("second"), db.WriteOptions{UpsertOnly: true})
	require.Equal(t, "second", dbtest.Value[string](t, pool, "SELECT title FROM conversations WHERE id = 'c1'"))
}

// slaTrackerRead is what a read of a conversation's SLA tracker stores: its
// summary and one metric, at stage status.
func slaTrackerRead(conversationID, status string) *record.Batch {
	return &record.Batch{
		SLAOf:        []string{conversationID},
		SLASummaries: []record.SLASummary{{ConversationID: conversationID, Stage: status, Raw: json.RawMessage(`{}`)}},
		SLAMetrics:   []record.SLAMetric{{ConversationID: conversationID, Metric: "first_response", Status: status, Raw: json.RawMessage(`{}`)}},
	}
}

// liveSLAMetrics lists the live SLA metrics as "conversation status".
func liveSLAMetrics(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	return dbtest.Value[string](t, pool, `SELECT coalesce(string_agg(conversation_id || ' ' || status, ',' ORDER BY conversation_id), '')
		FROM sla_metrics WHERE deleted_at IS NULL`)
}

// TestAnSLATrackerReadWaitsForADeleteOfItsConversation: a tracker's read
// and the delete of its conversation at once put themselves in order: the
// read that comes second sees the conversation gone and stores nothing.
func TestAnSLATrackerReadWaitsForADeleteOfItsConversation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := dbtest.NewPool(t)
	dbtest.WriteBatch(t, pool, "src", &record.Batch{Conversations: []record.Conversation{{ID: "c1", ModifiedAt: time.Now(), Raw: json.RawMessage(`{}`)}}}, db.WriteOptions{})

	del, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = del.Rollback(ctx) }()
	require.NoError(t, dbq.New(del).MarkConversationsDeleted(ctx, dbq.MarkConversationsDeletedParams{Source: "src", Ids: []string{"c1"}}))

	read := make(chan error, 1)
	go func() {
		read <- pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := db.WriteBatch(ctx, tx, "src", slaTrackerRead("c1", "active"), db.WriteOptions{})
			return err
		})
	}()
	for dbtest.Value[int](t, pool, `SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock'`) == 0 {
		select {
		case err := <-read:
			t.Fatalf("the read did not wait for the delete: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	require.NoError(t, del.Commit(ctx))
	require.NoError(t, <-read)
	require.Empty(t, liveSLAMetrics(t, pool))
}

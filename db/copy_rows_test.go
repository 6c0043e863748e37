package db_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

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

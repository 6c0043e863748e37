package db_test

import (
	"encoding/json"
	"testing"
	"time"

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
			SLAOf:        []string{"c1"},
			SLASummaries: []record.SLASummary{{ConversationID: "c1", Stage: "running", Raw: raw}},
			SLAMetrics:   []record.SLAMetric{{ConversationID: "c1", Metric: "first_response", Raw: raw}},
		})
		write(t, pool, &record.Batch{SLAOf: []string{"c1"}})
		require.Equal(t, "1 1", queryString(t, pool,
			"SELECT (SELECT count(deleted_at) FROM sla_summaries) || ' ' || (SELECT count(deleted_at) FROM sla_metrics)"))
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
}

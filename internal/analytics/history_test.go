package analytics_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestHistoryViews builds a conversation's history by hand, through the one
// writer, and reads the history views, whose every number is known: opened
// at 22:00 UTC on 1 March, pended at 23:00, resolved at 01:00 on 2 March,
// reopened at 10:00 and resolved again at 00:30 on 3 March. Its change
// records arrive out of order, over several pages, one page twice.
func TestHistoryViews(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	day := func(d int, h, m int) time.Time { return time.Date(2025, 3, d, h, m, 0, 0, time.UTC) }
	state := func(native string) record.ConversationState {
		return record.ConversationState{
			NativeStatus: native,
			Status:       map[string]string{"new": "open", "waiting_on_user": "pending", "resolved": "resolved", "active": "open"}[native],
		}
	}
	change := func(at time.Time, from, to string) record.ConversationChange {
		before := state(from)
		return record.ConversationChange{
			ConversationID: "c1", At: at, ChangedBy: "agent",
			Sets:   []record.TrackedField{record.FieldStatus, record.FieldNativeStatus},
			Before: &before, After: state(to),
		}
	}
	conv := func(id string) record.Conversation {
		return record.Conversation{
			ID: id, Status: "resolved", NativeStatus: "resolved", Channel: "email",
			CreatedAt: day(1, 22, 0), ModifiedAt: day(3, 0, 30), Raw: json.RawMessage(`{}`),
		}
	}
	pages := []*record.Batch{
		{Conversations: []record.Conversation{conv("c1"), conv("gone")}},
		{Changes: []record.ConversationChange{change(day(3, 0, 30), "active", "resolved"), change(day(2, 10, 0), "resolved", "active")}},
		{Changes: []record.ConversationChange{change(day(1, 23, 0), "new", "waiting_on_user")}},
		{Changes: []record.ConversationChange{change(day(2, 1, 0), "waiting_on_user", "resolved")}, ChangesCompleteFor: []string{"c1", "gone"}},
		{Changes: []record.ConversationChange{change(day(2, 1, 0), "waiting_on_user", "resolved")}, ChangesCompleteFor: []string{"c1"}},
	}
	for _, b := range pages {
		dbtest.WriteBatch(t, pool, "devrev", b, db.WriteOptions{})
	}
	dbtest.Exec(t, pool, "UPDATE conversations SET deleted_at = now() WHERE id = 'gone'")

	t.Run("Versions", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []string{
			"2025-03-01 22:00 open new event",
			"2025-03-01 23:00 pending waiting_on_user event",
			"2025-03-02 01:00 resolved resolved event",
			"2025-03-02 10:00 open active event",
			"2025-03-03 00:30 resolved resolved event",
		}, dbtest.Column[string](t, pool, `
			SELECT to_char(valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || status || ' ' || native_status || ' ' || observed_via
			FROM conversation_history WHERE conversation_id = 'c1' ORDER BY valid_from`))
	})

	t.Run("BacklogDaily", func(t *testing.T) {
		t.Parallel()
		// The end of 1 March finds it pending, of 2 March open (reopened),
		// of 3 March and every day since resolved; the deleted one never.
		require.Equal(t, []string{"2025-03-01 pending email 1", "2025-03-02 open email 1", "2025-03-03 resolved email 1", "2025-03-04 resolved email 1"},
			dbtest.Column[string](t, pool, `
				SELECT day::text || ' ' || status || ' ' || channel || ' ' || conversations
				FROM backlog_daily WHERE source = 'devrev' AND day <= '2025-03-04' ORDER BY day, status`))
		today := dbtest.Value[int64](t, pool, `SELECT conversations FROM backlog_daily WHERE day = (now() AT TIME ZONE 'UTC')::date`)
		require.Equal(t, int64(1), today, "to today")

		// Every UTC day to today, whatever the session's zone: one whose
		// clocks change at midnight too.
		days := func(zone string) (want, got int64) {
			tx, err := pool.Begin(t.Context())
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(context.WithoutCancel(t.Context())) }() // a failure too
			_, err = tx.Exec(t.Context(), "SET LOCAL TimeZone = '"+zone+"'")
			require.NoError(t, err)
			return dbtest.Value[int64](t, tx, `SELECT (now() AT TIME ZONE 'UTC')::date - date '2025-03-01' + 1`),
				dbtest.Value[int64](t, tx, `SELECT count(DISTINCT day) FROM backlog_daily WHERE source = 'devrev'`)
		}
		for _, zone := range []string{"UTC", "America/Santiago", "Africa/Cairo", "Asia/Beirut"} {
			want, got := days(zone)
			require.Equal(t, want, got, zone)
		}
	})

	t.Run("StatusDurations", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []string{
			"open 2025-03-01 22:00 3600", "pending 2025-03-01 23:00 7200", "resolved 2025-03-02 01:00 32400",
			"open 2025-03-02 10:00 52200", "resolved 2025-03-03 00:30 -",
		}, dbtest.Column[string](t, pool, `
			SELECT status || ' ' || to_char(entered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || COALESCE(duration::text, '-')
			FROM status_durations WHERE conversation_id = 'c1' ORDER BY entered_at`))
	})

	t.Run("Reopens", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []string{"2025-03-02 10:00 after 2025-03-02 01:00"}, dbtest.Column[string](t, pool, `
			SELECT to_char(reopened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' after ' || to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
			FROM reopens`))
	})
}

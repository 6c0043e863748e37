package db_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// storedHistory is a conversation's versions as one line each:
// "valid_from valid_to status observed_via".
func storedHistory(t *testing.T, pool *pgxpool.Pool, id string) []string {
	t.Helper()
	return dbtest.Column[string](t, pool, `
		SELECT to_char(valid_from AT TIME ZONE 'UTC', 'DD HH24:MI:SS.US') || ' ' ||
		       COALESCE(to_char(valid_to AT TIME ZONE 'UTC', 'DD HH24:MI:SS.US'), '-') || ' ' ||
		       COALESCE(status, '?') || ' ' || observed_via
		FROM conversation_history WHERE source = 'src' AND conversation_id = $1 ORDER BY valid_from`, id)
}

func TestWriteHistory(t *testing.T) {
	t.Parallel()

	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	conv := func(status string, modified time.Time) record.Conversation {
		return record.Conversation{
			ID: "c1", Status: status, NativeStatus: status, CreatedAt: t0, ModifiedAt: modified,
			AssigneeIDs: []string{"u2", "u1"}, Raw: json.RawMessage(`{}`),
		}
	}
	change := func(at time.Time, from, to string) record.ConversationChange {
		return record.ConversationChange{
			ConversationID: "c1", At: at, ChangedBy: "u1",
			Sets:   []record.TrackedField{record.FieldStatus, record.FieldNativeStatus},
			Before: &record.ConversationState{Status: from, NativeStatus: from},
			After:  record.ConversationState{Status: to, NativeStatus: to},
		}
	}
	write := func(t *testing.T, pool *pgxpool.Pool, b *record.Batch) {
		t.Helper()
		dbtest.WriteBatch(t, pool, "src", b, db.WriteOptions{})
	}

	// resolvedWithAnEntryInQuarantine is a mirror of c1, resolved, one of
	// whose timeline entries is in quarantine.
	resolvedWithAnEntryInQuarantine := func(t *testing.T, entryID string) *pgxpool.Pool {
		t.Helper()
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("resolved", t0.Add(6*time.Hour))}})
		write(t, pool, &record.Batch{Quarantined: []record.Quarantined{{
			Stream: record.StreamMessages, RecordID: entryID, ParentID: "c1", Raw: `{"id":"` + entryID + `"}`, Error: "decode",
		}}})
		return pool
	}

	t.Run("ANULInAStateAddsNoVersion", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		c := conv("open", t0.Add(time.Hour))
		c.NativeStatus = "Open\x00"
		write(t, pool, &record.Batch{Conversations: []record.Conversation{c}})
		before := storedHistory(t, pool, "c1")
		write(t, pool, &record.Batch{Conversations: []record.Conversation{c}}) // the same page again
		require.Equal(t, []string{"01 01:00:00.000000 - open modified"}, before)
		require.Equal(t, before, storedHistory(t, pool, "c1"), "stored as the row stores it, it is the same state")
	})

	t.Run("VersionsOnlyWhenATrackedFieldChanges", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		page := &record.Batch{Conversations: []record.Conversation{conv("open", t0.Add(time.Hour))}}
		write(t, pool, page)
		write(t, pool, page) // a page run again
		retitled := conv("open", t0.Add(2*time.Hour))
		retitled.Title = "a new title"
		write(t, pool, &record.Batch{Conversations: []record.Conversation{retitled}})
		require.Equal(t, []string{"01 01:00:00.000000 - open modified"}, storedHistory(t, pool, "c1"))
		require.Equal(t, "{u1,u2}", dbtest.Value[string](t, pool, "SELECT assignee_ids::text FROM conversation_history"))

		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("resolved", t0.Add(3*time.Hour))}})
		require.Equal(t, []string{
			"01 01:00:00.000000 01 03:00:00.000000 open modified",
			"01 03:00:00.000000 - resolved modified",
		}, storedHistory(t, pool, "c1"))
	})

	t.Run("ChangeRecordsRebuildTheHistoryFromCreation", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("resolved", t0.Add(6*time.Hour))}})
		// The timeline's pages, the later change first; the last page says
		// the records are complete.
		write(t, pool, &record.Batch{Changes: []record.ConversationChange{change(t0.Add(4*time.Hour+123456*time.Microsecond), "pending", "resolved")}})
		pages := []*record.Batch{
			{Changes: []record.ConversationChange{change(t0.Add(2*time.Hour), "open", "pending")}, ChangesCompleteFor: []string{"c1"}},
		}
		for range 2 { // and the last page again, as a retried job does
			for _, p := range pages {
				write(t, pool, p)
			}
		}
		require.Equal(t, []string{
			"01 00:00:00.000000 01 02:00:00.000000 open event",
			"01 02:00:00.000000 01 04:00:00.123456 pending event",
			"01 04:00:00.123456 - resolved event",
		}, storedHistory(t, pool, "c1"))
		require.Equal(t, "u1", dbtest.Value[string](t, pool, "SELECT changed_by FROM conversation_history WHERE status = 'pending'"))
		res := dbtest.WriteBatch(t, pool, "src", pages[0], db.WriteOptions{})
		require.Zero(t, res.Tables["conversation_history"], "a page read again writes nothing")
	})

	t.Run("AnEntryInQuarantineLeavesTheRecordsIncomplete", func(t *testing.T) {
		t.Parallel()
		// An earlier page of the timeline held an entry that could not be
		// read: it may be a change, so the creation cannot be told.
		pool := resolvedWithAnEntryInQuarantine(t, "e1")
		last := &record.Batch{Changes: []record.ConversationChange{change(t0.Add(4*time.Hour), "pending", "resolved")}, ChangesCompleteFor: []string{"c1"}}
		write(t, pool, last)
		require.Equal(t, []string{
			"01 04:00:00.000000 - resolved event",
		}, storedHistory(t, pool, "c1"), "no version from the creation")

		// Read again whole, the entry reads cleanly (a change event lands
		// as no message): it leaves the quarantine, and the records are
		// complete.
		last.EntriesRead = []string{"e1"}
		write(t, pool, last)
		require.Zero(t, dbtest.Value[int](t, pool, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL"))
		require.Equal(t, []string{
			"01 00:00:00.000000 01 04:00:00.000000 pending event",
			"01 04:00:00.000000 - resolved event",
		}, storedHistory(t, pool, "c1"))
	})

	t.Run("AThreadInQuarantineIsNoMissedChange", func(t *testing.T) {
		t.Parallel()
		// A DevRev thread that could not be read holds replies, which are
		// comments, never changes: the records are complete without it.
		pool := resolvedWithAnEntryInQuarantine(t, "thread:e9")
		write(t, pool, &record.Batch{Changes: []record.ConversationChange{change(t0.Add(4*time.Hour), "pending", "resolved")}, ChangesCompleteFor: []string{"c1"}})
		require.Equal(t, []string{
			"01 00:00:00.000000 01 04:00:00.000000 pending event",
			"01 04:00:00.000000 - resolved event",
		}, storedHistory(t, pool, "c1"))
	})

	t.Run("AQuarantinedMessageThatLandsCompletesTheRecords", func(t *testing.T) {
		t.Parallel()
		pool := resolvedWithAnEntryInQuarantine(t, "m1")
		// The timeline read again whole; the comment lands on its last page.
		write(t, pool, &record.Batch{
			Messages:           []record.Message{{ID: "m1", ConversationID: "c1", ModifiedAt: t0, Raw: json.RawMessage(`{}`)}},
			Changes:            []record.ConversationChange{change(t0.Add(4*time.Hour), "pending", "resolved")},
			ChangesCompleteFor: []string{"c1"},
		})
		require.Equal(t, []string{
			"01 00:00:00.000000 01 04:00:00.000000 pending event",
			"01 04:00:00.000000 - resolved event",
		}, storedHistory(t, pool, "c1"))
	})

	t.Run("AListingLeavesTheHistoryOfWhatItInsertsToTheTimeline", func(t *testing.T) {
		t.Parallel()
		listed := conv("resolved", t0.Add(6*time.Hour))
		timeline := &record.Batch{
			Changes: []record.ConversationChange{
				change(t0.Add(2*time.Hour), "open", "pending"), change(t0.Add(4*time.Hour), "pending", "resolved"),
			},
			ChangesCompleteFor: []string{"c1"},
		}
		// The listing writes the history, and the timeline rewrites it.
		direct := dbtest.NewPool(t)
		write(t, direct, &record.Batch{Conversations: []record.Conversation{listed}})
		write(t, direct, timeline)

		// The listing leaves it, and hands what it read to the timeline's
		// job, which writes it once.
		left := dbtest.NewPool(t)
		res := dbtest.WriteBatch(t, left, "src", &record.Batch{Conversations: []record.Conversation{listed}}, db.WriteOptions{LeaveNewHistory: true})
		require.Zero(t, res.Tables["conversation_history"])
		require.Len(t, res.Conversations, 1)
		require.Equal(t, &record.Observation{ConversationID: "c1", ModifiedAt: listed.ModifiedAt, State: listed.State()}, res.Conversations[0].HistoryLeft)
		require.Empty(t, storedHistory(t, left, "c1"))
		withObservation := *timeline
		withObservation.Observations = []record.Observation{*res.Conversations[0].HistoryLeft}
		for range 2 { // and again, as a retried job does
			write(t, left, &withObservation)
		}

		versions := `SELECT row(valid_from, valid_to, status, observed_via, changed_by, assignee_ids, evidence)::text
			FROM conversation_history ORDER BY valid_from`
		require.Equal(t, dbtest.Column[string](t, direct, versions), dbtest.Column[string](t, left, versions))
		require.Len(t, storedHistory(t, left, "c1"), 3)

		// A conversation the mirror already holds is not the listing's to
		// leave: its history is written with its row.
		res = dbtest.WriteBatch(t, left, "src", &record.Batch{Conversations: []record.Conversation{conv("open", t0.Add(7*time.Hour))}}, db.WriteOptions{LeaveNewHistory: true})
		require.Nil(t, res.Conversations[0].HistoryLeft)
		require.Equal(t, 4, res.Tables["conversation_history"], "the chain is written again with its new version")
	})

	t.Run("AListedStateArrivingAfterALaterReadChangesNothing", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		listed := conv("open", t0.Add(time.Hour))
		res := dbtest.WriteBatch(t, pool, "src", &record.Batch{Conversations: []record.Conversation{listed}}, db.WriteOptions{LeaveNewHistory: true})
		// Before the timeline's job runs, a webhook's read sees another
		// status with the same modification time (the vendor did not move
		// it), and writes it.
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("pending", t0.Add(time.Hour))}})
		write(t, pool, &record.Batch{Observations: []record.Observation{*res.Conversations[0].HistoryLeft}})
		require.Equal(t, []string{"01 01:00:00.000000 - pending modified"}, storedHistory(t, pool, "c1"),
			"the older read handed on is not taken for a newer change")
	})

	t.Run("AListedStateIsCleanedForTheJobsArguments", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		c := conv("open", t0.Add(time.Hour))
		c.Priority, c.AssigneeIDs = "p\x001", []string{"u\x002"}
		res := dbtest.WriteBatch(t, pool, "src", &record.Batch{Conversations: []record.Conversation{c}}, db.WriteOptions{LeaveNewHistory: true})
		doc, err := json.Marshal(res.Conversations[0].HistoryLeft)
		require.NoError(t, err)
		require.NotContains(t, string(doc), `\u0000`, "jsonb refuses NUL")
		require.Equal(t, "p1", res.Conversations[0].HistoryLeft.State.Priority)
		require.Equal(t, []string{"u2"}, res.Conversations[0].HistoryLeft.State.AssigneeIDs)
	})

	t.Run("VersionsStoredOutOfOrderAreNoConflict", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("open", t0.Add(time.Hour))}})
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("resolved", t0.Add(3*time.Hour))}})
		// Writing the first version's row again puts it behind the second
		// in the table, as chains rewritten into reused free space are:
		// a scan in table order returns them out of time order.
		dbtest.Exec(t, pool, `WITH first AS (DELETE FROM conversation_history WHERE valid_to IS NOT NULL RETURNING *)
			INSERT INTO conversation_history SELECT * FROM first`)
		require.Equal(t, []string{"resolved", "open"},
			dbtest.Column[string](t, pool, "SELECT status FROM conversation_history WHERE ctid > '(0,0)'"), "the rows are out of order in the table")

		// A page of many conversations removes their versions with a scan
		// in table order, not in the primary key's.
		err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(t.Context(), "SET LOCAL enable_indexscan = off"); err != nil {
				return err
			}
			_, err := db.WriteBatch(t.Context(), tx, "src", &record.Batch{Conversations: []record.Conversation{conv("pending", t0.Add(5*time.Hour))}}, db.WriteOptions{})
			return err
		})
		require.NoError(t, err, "a history read in time order and removed in table order is the same history")
		require.Equal(t, []string{
			"01 01:00:00.000000 01 03:00:00.000000 open modified",
			"01 03:00:00.000000 01 05:00:00.000000 resolved modified",
			"01 05:00:00.000000 - pending modified",
		}, storedHistory(t, pool, "c1"))
	})

	t.Run("ConcurrentPagesOfOneConversationLeaveOneChain", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.NewPool(t)
		write(t, pool, &record.Batch{Conversations: []record.Conversation{conv("open", t0.Add(time.Minute))}})
		var pages []*record.Batch
		for i := range 20 {
			c := conv([]string{"open", "pending", "resolved"}[i%3], t0.Add(time.Duration(i+2)*time.Hour))
			at := t0.Add(time.Duration(i+2)*time.Hour + 30*time.Minute)
			pages = append(pages,
				&record.Batch{Conversations: []record.Conversation{c}},
				&record.Batch{Changes: []record.ConversationChange{change(at, "open", "snoozed")}})
		}
		writeConcurrently(t, pool, pages)
		requireHistoryConsistent(t, pool)
		require.Equal(t, 20, dbtest.Value[int](t, pool, "SELECT count(*) FROM conversation_history WHERE observed_via = 'event'"),
			"no change record lost to a concurrent page")
	})

	t.Run("ConcurrentFirstVersionsLeaveOneChain", func(t *testing.T) {
		t.Parallel()
		// Many conversations without versions yet, each written by two
		// pages at once: neither finds versions to remove, and the one
		// that inserts second conflicts on the current version instead.
		pool := dbtest.NewPool(t)
		var convs []record.Conversation
		for i := range 20 {
			c := conv("open", t0.Add(time.Hour))
			c.ID = fmt.Sprintf("c%02d", i)
			convs = append(convs, c)
		}
		dbtest.WriteBatch(t, pool, "src", &record.Batch{Conversations: convs}, db.WriteOptions{LeaveNewHistory: true})
		require.Zero(t, dbtest.Value[int](t, pool, "SELECT count(*) FROM conversation_history"))
		var pages []*record.Batch
		for _, c := range convs {
			observed := record.Observation{ConversationID: c.ID, ModifiedAt: c.ModifiedAt, State: c.State()}
			changed := change(t0.Add(2*time.Hour), "open", "pending")
			changed.ConversationID = c.ID
			pages = append(pages,
				&record.Batch{Observations: []record.Observation{observed}},
				&record.Batch{Changes: []record.ConversationChange{changed}})
		}
		writeConcurrently(t, pool, pages)
		requireHistoryConsistent(t, pool)
		require.Equal(t, []string{"01 01:00:00.000000 01 02:00:00.000000 open modified", "01 02:00:00.000000 - pending event"},
			storedHistory(t, pool, "c07"), "both pages' facts are in each chain")
		require.Equal(t, 2*len(convs), dbtest.Value[int](t, pool, "SELECT count(*) FROM conversation_history"))
	})
}

// writeConcurrently writes each of pages at once, each in a goroutine and a
// transaction of its own (as concurrent jobs do), and fails the test if any
// write failed.
func writeConcurrently(t *testing.T, pool *pgxpool.Pool, pages []*record.Batch) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(pages))
	for _, b := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeBatchErr(t, pool, b)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// writeBatchErr writes b in a transaction of its own, again when it
// conflicted with a concurrent one (as the jobs do), and returns its error.
func writeBatchErr(t *testing.T, pool *pgxpool.Pool, b *record.Batch) error {
	for {
		err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
			_, err := db.WriteBatch(t.Context(), tx, "src", b, db.WriteOptions{UpsertOnly: true})
			return err
		})
		var pgErr *pgconn.PgError
		if db.IsInsertRace(err) || errors.As(err, &pgErr) && pgErr.Code == "40001" {
			continue
		}
		return err
	}
}

// requireHistoryConsistent checks every conversation's chain: one current
// version, each version ending where the next starts.
func requireHistoryConsistent(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	broken := dbtest.Column[string](t, pool, `
		SELECT conversation_id || ' at ' || valid_from::text FROM (
		    SELECT conversation_id, valid_from, valid_to,
		           lead(valid_from) OVER (PARTITION BY source, conversation_id ORDER BY valid_from) AS next_from
		    FROM conversation_history
		) v
		WHERE valid_to IS DISTINCT FROM next_from`)
	require.Empty(t, broken, "versions must follow each other without gap or overlap: %s", strings.Join(broken, ", "))
	require.Equal(t, fmt.Sprint(dbtest.Value[int64](t, pool, "SELECT count(DISTINCT (source, conversation_id)) FROM conversation_history")),
		fmt.Sprint(dbtest.Value[int64](t, pool, "SELECT count(*) FROM conversation_history WHERE valid_to IS NULL")), "one current version each")
}

package mirrorcheck_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/record"
)

// TestCompareFindsEachKindOfDifference: the checker the other tests trust
// to say "exact" must say what differs, each kind of difference alone.
func TestCompareFindsEachKindOfDifference(t *testing.T) {
	t.Parallel()
	pool, q := dbtest.NewQueries(t)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	body := "hello"
	batch := &record.Batch{
		Conversations:  []record.Conversation{{ID: "c1", Title: "Login", Status: "open", ModifiedAt: at}},
		Messages:       []record.Message{{ID: "m1", ConversationID: "c1", Body: &body, CreatedAt: at}, {ID: "m2", ConversationID: "c1", Body: &body}},
		Tags:           []record.Tag{{ConversationID: "c1", Tag: "vip"}},
		ParticipantsOf: []string{"c1"},
	}
	dbtest.WriteBatch(t, pool, "s", batch, db.WriteOptions{})
	exact := func() mirrorcheck.Want {
		return mirrorcheck.Want{Conversations: []mirrorcheck.Conversation{{
			Item: mirrorcheck.Item{ID: "c1", Fields: mirrorcheck.Record{
				"title": "Login", "status": "open", "modified_at": mirrorcheck.Time(at), "tags": "vip", "sla": "<null>",
			}},
			Messages: []mirrorcheck.Item{
				{ID: "m1", Fields: mirrorcheck.Record{"body": "hello", "created_at": mirrorcheck.Time(at)}},
				{ID: "m2"},
			},
			Metrics: []mirrorcheck.Item{},
		}}}
	}
	compare := func(t *testing.T, w mirrorcheck.Want) []string {
		diffs, err := mirrorcheck.Compare(t.Context(), q, "s", w)
		require.NoError(t, err)
		return diffs
	}
	require.Empty(t, compare(t, exact()))

	for name, tc := range map[string]struct {
		change func(*mirrorcheck.Want)
		want   string
	}{
		"Field": {func(w *mirrorcheck.Want) { w.Conversations[0].Fields["title"] = "SSO" }, `c1: title is "Login" in the mirror, "SSO" at the source`},
		"Time": {func(w *mirrorcheck.Want) {
			w.Conversations[0].Fields["modified_at"] = mirrorcheck.Time(at.Add(time.Microsecond))
		}, "c1: modified_at"},
		"Link": {func(w *mirrorcheck.Want) { w.Conversations[0].Fields["tags"] = "vip,billing" }, "c1: tags"},
		"MissingConv": {func(w *mirrorcheck.Want) {
			w.Conversations = append(w.Conversations, mirrorcheck.Conversation{Item: mirrorcheck.Item{ID: "c2"}})
		}, "conversation c2 missing"},
		"ExtraConv":    {func(w *mirrorcheck.Want) { w.Conversations = nil }, "conversation c1 is in the mirror but not at the source"},
		"MessageBody":  {func(w *mirrorcheck.Want) { w.Conversations[0].Messages[0].Fields["body"] = "<null>" }, "c1 message m1: body"},
		"ExtraMessage": {func(w *mirrorcheck.Want) { w.Conversations[0].Messages = w.Conversations[0].Messages[:1] }, "c1: message m2 is in the mirror but not at the source"},
		"MissingMsg": {func(w *mirrorcheck.Want) {
			w.Conversations[0].Messages = append(w.Conversations[0].Messages, mirrorcheck.Item{ID: "m3"})
		}, "c1: message m3 missing"},
		"SLA":    {func(w *mirrorcheck.Want) { w.Conversations[0].Fields["sla"] = "Gold" }, "c1: sla"},
		"Metric": {func(w *mirrorcheck.Want) { w.Conversations[0].Metrics = []mirrorcheck.Item{{ID: "resolution_time"}} }, "SLA metric resolution_time missing"},
		"User":   {func(w *mirrorcheck.Want) { w.Users = []mirrorcheck.Item{{ID: "u1"}} }, "user u1 missing"},
	} {
		t.Run(name, func(t *testing.T) {
			w := exact()
			tc.change(&w)
			diffs := compare(t, w)
			require.Len(t, diffs, 1, "%q", diffs)
			require.Contains(t, diffs[0], tc.want)
		})
	}

	// A message marked deleted in the mirror while the source has it, and
	// one deleted that keeps its text.
	_, err := pool.Exec(t.Context(), "UPDATE messages SET deleted_at = now() WHERE id = 'm2'")
	require.NoError(t, err)
	diffs := compare(t, exact())
	require.Len(t, diffs, 1, "%q", diffs)
	require.Contains(t, diffs[0], `c1 message m2: deleted is "true" in the mirror, "false" at the source`)
	w := exact()
	w.Conversations[0].Messages = w.Conversations[0].Messages[:1]
	diffs = compare(t, w)
	require.Len(t, diffs, 1, "%q", diffs)
	require.Contains(t, diffs[0], "c1: message m2 is marked deleted but keeps its text")
}

// TestStageHistoryIsStageChanges: a version that only dates an observed
// SLA stage is no stage change, so the stage history leaves it out; a
// version that changes nothing at all is a fault, and shows.
func TestStageHistoryIsStageChanges(t *testing.T) {
	t.Parallel()
	pool, q := dbtest.NewQueries(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	observe := func(at time.Time, status, sla string) {
		c := record.Conversation{ID: "c1", Status: status, NativeStatus: status, SLAStage: sla, CreatedAt: t0, ModifiedAt: at, Raw: json.RawMessage(`{}`)}
		dbtest.WriteBatch(t, pool, "s", &record.Batch{Conversations: []record.Conversation{c}}, db.WriteOptions{})
	}
	observe(t0, "open", "running")
	observe(t0.Add(time.Hour), "resolved", "running")
	observe(t0.Add(2*time.Hour), "resolved", "completed") // the SLA, seen later
	require.Equal(t, 3, dbtest.Value[int](t, pool, "SELECT count(*) FROM conversation_history"))

	want := func() mirrorcheck.Want {
		return mirrorcheck.Want{Conversations: []mirrorcheck.Conversation{{Item: mirrorcheck.Item{ID: "c1", Fields: mirrorcheck.Record{
			"stage history": mirrorcheck.History([]string{
				mirrorcheck.StageVersion(t0, "open", "modified"),
				mirrorcheck.StageVersion(t0.Add(time.Hour), "resolved", "modified"),
			}),
		}}}}}
	}
	diffs, err := mirrorcheck.Compare(t.Context(), q, "s", want())
	require.NoError(t, err)
	require.Empty(t, diffs)

	// The last version made the same as the one before it: a duplicate.
	dbtest.Exec(t, pool, "UPDATE conversation_history SET sla_stage = 'running' WHERE valid_to IS NULL")
	diffs, err = mirrorcheck.Compare(t.Context(), q, "s", want())
	require.NoError(t, err)
	require.Len(t, diffs, 1, "%q", diffs)
	require.Contains(t, diffs[0], "c1: stage history")
}

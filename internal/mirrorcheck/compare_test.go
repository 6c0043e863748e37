package mirrorcheck_test

import (
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

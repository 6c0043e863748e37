package jobs_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/jobs"
)

const openQuarantine = "SELECT stream || ':' || record_id FROM quarantine WHERE resolved_at IS NULL ORDER BY 1"

// TestQuarantinedRecordsGoneAtTheSource: a record in quarantine that the
// source no longer has leaves the quarantine, instead of being retried at
// every pass's end for good (and, for a timeline entry, keeping its
// conversation's history from its creation); one still there and still bad
// stays in it.
func TestQuarantinedRecordsGoneAtTheSource(t *testing.T) {
	t.Parallel()

	t.Run("AnEntryAWholeReadNoLongerSees", func(t *testing.T) {
		t.Parallel()
		var victim string
		broken := faultproxy.Rule{PathSuffix: "/timeline-entries.list", Fault: faultproxy.RewriteJSON(func(_ *http.Request, body map[string]any) {
			entries, _ := body["timeline_entries"].([]any)
			for _, e := range entries {
				if e := e.(map[string]any); e["id"] == victim {
					e["created_date"] = "the day after tomorrow"
				}
			}
		})}
		b := setup(t, setupOpts{conversations: 6, faults: []faultproxy.Rule{broken}})
		conv := b.ws.Snapshot().Conversations[1]
		require.NotEmpty(t, conv.Comments)
		victim = conv.Comments[0].ID
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		require.Equal(t, []string{"messages:" + victim}, dbtest.Column[string](t, b.pool, openQuarantine))

		// Still bad at the retry that ends the next pass: it stays.
		require.True(t, b.runPass(t, jobs.PassIncremental).OK())
		require.Equal(t, []string{"messages:" + victim}, dbtest.Column[string](t, b.pool, openQuarantine))

		b.ws.RemoveComment(victim)
		require.True(t, b.runPass(t, jobs.PassIncremental).OK())
		require.Empty(t, dbtest.Column[string](t, b.pool, openQuarantine), "the entry the source removed left the quarantine")
		b.requireExact(t)
		require.Equal(t, conv.CreatedDate, dbtest.Value[time.Time](t, b.pool,
			"SELECT min(valid_from) FROM conversation_history WHERE conversation_id = $1", conv.ID).UTC(), "its history starts at its creation")
	})

	t.Run("AConversationDeletedAtTheSource", func(t *testing.T) {
		t.Parallel()
		var victim string
		bad := func(_ *http.Request, c map[string]any) {
			if c["id"] == victim {
				c["modified_date"] = "the day after tomorrow"
			}
		}
		b := setup(t, setupOpts{conversations: 6, faults: []faultproxy.Rule{
			{PathSuffix: "/conversations.list", Fault: faultproxy.RewriteJSON(func(r *http.Request, body map[string]any) {
				for _, c := range body["conversations"].([]any) {
					bad(r, c.(map[string]any))
				}
			})},
			{PathSuffix: "/conversations.get", Fault: faultproxy.RewriteJSON(func(r *http.Request, body map[string]any) {
				bad(r, body["conversation"].(map[string]any))
			})},
		}})
		victim = b.ws.Snapshot().Conversations[2].ID
		require.True(t, b.runPass(t, jobs.PassBackfill).OK())
		require.Equal(t, []string{"conversations:" + victim}, dbtest.Column[string](t, b.pool, openQuarantine))

		b.ws.DeleteConversation(victim)
		require.True(t, b.runPass(t, jobs.PassIncremental).OK())
		require.Empty(t, dbtest.Column[string](t, b.pool, openQuarantine), "the conversation the source deleted left the quarantine")
		b.requireExact(t)
	})
}

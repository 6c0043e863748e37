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

// openQuarantine lists the records open in quarantine, as stream:record_id.
const openQuarantine = "SELECT stream || ':' || record_id FROM quarantine WHERE resolved_at IS NULL"

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
		passLeavesInQuarantine(t, b, jobs.PassBackfill, "messages:"+victim)
		// Still bad at the retry that ends the next pass: it stays.
		passLeavesInQuarantine(t, b, jobs.PassIncremental, "messages:"+victim)

		b.ws.RemoveComment(victim)
		passLeavesInQuarantine(t, b, jobs.PassIncremental)
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
		passLeavesInQuarantine(t, b, jobs.PassBackfill, "conversations:"+victim)

		b.ws.DeleteConversation(victim)
		passLeavesInQuarantine(t, b, jobs.PassIncremental)
		b.requireExact(t)
	})
}

// passLeavesInQuarantine runs a pass, which must succeed, and requires the
// records then open in quarantine to be want.
func passLeavesInQuarantine(t *testing.T, b *testBundle, kind jobs.PassKind, want ...string) {
	t.Helper()
	require.True(t, b.runPass(t, kind).OK())
	require.ElementsMatch(t, want, dbtest.Column[string](t, b.pool, openQuarantine), "open in quarantine")
}

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

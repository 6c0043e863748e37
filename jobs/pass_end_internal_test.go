package jobs

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestAConversationBeingReadIsNotBehind: a conversation whose messages a
// job still reads, queued or at work, is behind only until that job ends:
// a pass's end does not queue another read of its whole history (after a
// backfill's listing, thousands, at every pass until the reads drain).
func TestAConversationBeingReadIsNotBehind(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	client, err := NewClient(d, ClientConfig{Workers: 1, Logger: slog.New(slog.DiscardHandler)}) // never started: its jobs stay queued
	require.NoError(t, err)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &record.Batch{}
	for _, id := range []string{"c1", "c2"} {
		b.Conversations = append(b.Conversations, record.Conversation{ID: id, ModifiedAt: at, Raw: json.RawMessage(`{}`)})
	}
	dbtest.WriteBatch(t, d.Pool, "s", b, db.WriteOptions{})
	dbtest.Exec(t, d.Pool, "UPDATE conversations SET synced_at = now() - interval '1 hour'")
	behind := func() []string {
		rows, err := dbq.New(d.Pool).ConversationsNeedingMessages(ctx, dbq.ConversationsNeedingMessagesParams{Source: "s", TouchedBefore: time.Now(), MaxRows: 10})
		require.NoError(t, err)
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return ids
	}
	require.Equal(t, []string{"c1", "c2"}, behind())

	res, err := client.InsertMany(ctx, messageJobs(jobRef{source: "s", runID: 1}, []MessageTarget{messageTarget("c1", at)}))
	require.NoError(t, err)
	require.Equal(t, []string{"c2"}, behind(), "c1's read is queued")
	dbtest.Exec(t, d.Pool, "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1", res[0].Job.ID)
	require.Equal(t, []string{"c2"}, behind(), "c1's read is at work")
	dbtest.Exec(t, d.Pool, "UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE id = $1", res[0].Job.ID)
	require.Equal(t, []string{"c1", "c2"}, behind(), "c1's read was given up: it is behind again")

	_, err = client.InsertMany(ctx, messageJobs(jobRef{source: "other", runID: 2}, []MessageTarget{messageTarget("c2", at)}))
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2"}, behind(), "another source's conversation c2 is another conversation")

	_, err = client.Insert(ctx, MessagesArgs{JobRun: JobRun{Source: "s", RunID: 3}}, insertOpts("s", 3))
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2"}, behind(), "a job without targets (null) reads nothing, and breaks nothing")
}

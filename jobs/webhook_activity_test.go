package jobs

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestWebhookCountsSurviveAFailedFlush: the deliveries counted since the last
// heartbeat are recorded by a later one when the database could not take
// them, with those received in between.
func TestWebhookCountsSurviveAFailedFlush(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	for range 3 {
		d.NoteWebhook("s")
	}
	down, cancel := context.WithCancel(t.Context())
	cancel()
	require.Error(t, d.flushWebhooks(down))
	d.NoteWebhook("s")
	d.NoteWebhook("t")
	require.NoError(t, d.flushWebhooks(t.Context()))
	require.NoError(t, d.flushWebhooks(t.Context()), "nothing left to write twice")
	require.Equal(t, []string{"s 4", "t 1"}, dbtest.Column[string](t, d.Pool,
		"SELECT source || ' ' || events FROM source_webhooks ORDER BY source"))
}

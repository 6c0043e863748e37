package jobs_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/jobs"
)

func TestBackfillRate(t *testing.T) {
	if testing.Short() || !testing.Verbose() {
		t.Skip("a measurement, run with -v -run TestBackfillRate")
	}
	b := setup(t, setupOpts{conversations: 2000, comments: 10})
	started := time.Now()
	out := b.runPass(t, jobs.PassBackfill)
	elapsed := time.Since(started)
	require.True(t, out.OK())
	msgs := b.count(t, "messages")
	t.Logf("backfill: %d conversations, %d messages in %s: %.0f conv/s, %.0f msg/s, %d requests",
		2000, msgs, elapsed.Round(time.Millisecond), 2000/elapsed.Seconds(), float64(msgs)/elapsed.Seconds(), b.server.Stats().Total)
}

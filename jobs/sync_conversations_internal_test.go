package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAListingJobStopsWhileItHasTime: a listing job takes another page
// only while its deadline leaves room for one at its worst, so that a slow
// vendor's job ends with the pages it committed instead of timing out
// midway, which would cost it an attempt and in the end fail the run.
func TestAListingJobStopsWhileItHasTime(t *testing.T) {
	t.Parallel()
	require.True(t, timeForAnotherPage(context.Background()), "no deadline")
	for left, want := range map[time.Duration]bool{pageTimeout: true, pageWorstCase + time.Second: true, pageWorstCase: false, time.Second: false} {
		ctx, cancel := context.WithTimeout(context.Background(), left)
		require.Equal(t, want, timeForAnotherPage(ctx), left)
		cancel()
	}
}

package jobs

import (
	"context"
	"fmt"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
)

// TestAFailureBeforeAnyRequest: a job that fails before it sent a request
// has no request stats, and is handled as any other failure: the webhook
// re-read whose database read was cut by a shutdown is snoozed, not
// counted as an attempt by a panic.
func TestAFailureBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ref := jobRef{source: "s", row: &rivertype.JobRow{ID: 1, Kind: (RefreshConversationArgs{}).Kind(), Attempt: 1, MaxAttempts: 8}}
	var err error
	require.NotPanics(t, func() {
		err = d.jobFailed(ctx, ref, nil, fmt.Errorf("take the pending re-read: %w", context.Canceled))
	})
	var snoozed *river.JobSnoozeError
	require.ErrorAs(t, err, &snoozed)
}

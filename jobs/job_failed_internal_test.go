package jobs

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
)

// TestABrokenListingIsPermanent: a listing that contradicts its own paging
// fails the same way however often it is tried, so its pass is given up
// (and a sweep waits its interval) instead of being retried for ever.
func TestABrokenListingIsPermanent(t *testing.T) {
	t.Parallel()
	require.True(t, isPermanent(fmt.Errorf("list conversations: %w", chatvolt.ErrUnwalkableListing)))
	require.True(t, isPermanent(fmt.Errorf("page 3: %w", fetcher.ErrBrokenListing)))
	require.False(t, isPermanent(&fetcher.RetryableError{Endpoint: "conversations.list", Status: 502, Err: errors.New("bad gateway")}))
}

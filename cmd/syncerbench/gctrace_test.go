package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPeakLiveHeap(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "child.log")
	log := `{"level":"info","message":"backfill started"}
gc 1 @0.044s 2%: 0.86+3.5+0.007 ms clock, 1.7+0.32/0.91/0+0.015 ms cpu, 7->8->3 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 2 @0.088s 3%: 1.1+1.3+0.045 ms clock, 2.2+0.38/1.3/0+0.091 ms cpu, 31->33->11 MB, 35 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 3 @0.113s 5%: 0.071+4.9+0.023 ms clock, 0.14+1.8/3.7/0+0.047 ms cpu, 10->11->5 MB, 11 MB goal, 0 MB stacks, 0 MB globals, 2 P
done in 1.2s
`
	require.NoError(t, os.WriteFile(path, []byte(log), 0o600))
	require.Equal(t, int64(11<<20), peakLiveHeap(path))
	require.True(t, isGCTrace("gc 3 @0.113s 5%: 0.071+4.9+0.023 ms clock, 0.14+1.8/3.7/0+0.047 ms cpu, 10->11->5 MB, 11 MB goal, 0 MB stacks, 0 MB globals, 2 P"))
	require.False(t, isGCTrace("done in 1.2s"))

	empty := filepath.Join(t.TempDir(), "empty.log")
	require.NoError(t, os.WriteFile(empty, []byte("no collections\n"), 0o600))
	require.Zero(t, peakLiveHeap(empty))
}

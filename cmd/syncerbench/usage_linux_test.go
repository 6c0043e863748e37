//go:build linux

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProcStat(t *testing.T) {
	t.Parallel()

	t.Run("ReadsTimesAfterANameWithSpacesAndParentheses", func(t *testing.T) {
		t.Parallel()
		line := "4242 (post gres (x)) S 17 4242 4242 0 -1 4194560 100 0 0 0 321 45 6 7 20 0 1 0 100 0 0\n"
		p, ok := parseProcStat([]byte(line))
		require.True(t, ok)
		require.Equal(t, procStat{pid: 4242, ppid: 17, comm: "post gres (x)", utime: 321, stime: 45, cutime: 6, cstime: 7}, p)
	})

	t.Run("RejectsTruncatedLines", func(t *testing.T) {
		t.Parallel()
		_, ok := parseProcStat([]byte("1 (init) S 0 1"))
		require.False(t, ok)
	})

	t.Run("MachineCPUReadsProcStat", func(t *testing.T) {
		t.Parallel()
		busy, total, err := machineCPU()
		require.NoError(t, err)
		require.Positive(t, total)
		require.LessOrEqual(t, busy, total)
	})
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadUsageReport(t *testing.T) {
	t.Parallel()

	t.Run("ParsesBytesAndNanoseconds", func(t *testing.T) {
		t.Parallel()
		rss, cpu := readUsageReport(strings.NewReader("45821952 1500000000\n"))
		require.Equal(t, int64(45821952), rss)
		require.Equal(t, 1500*time.Millisecond, cpu)
	})

	t.Run("NothingWrittenIsUnknown", func(t *testing.T) {
		t.Parallel()
		rss, cpu := readUsageReport(strings.NewReader(""))
		require.Zero(t, rss)
		require.Zero(t, cpu)
	})
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadUsageReport(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name    string
		written string
		rss     int64
		cpu     time.Duration
	}{
		{"ParsesBytesAndNanoseconds", "45821952 1500000000\n", 45821952, 1500 * time.Millisecond},
		{"NothingWrittenIsUnknown", "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rss, cpu := readUsageReport(strings.NewReader(tc.written))
			require.Equal(t, tc.rss, rss)
			require.Equal(t, tc.cpu, cpu)
		})
	}
}

package fakeapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 1, 1, 0, 0, 0, 999_999_999, time.FixedZone("x", 3600))
	c := NewClock(start, time.Millisecond, 337)
	require.Equal(t, time.Date(2024, 12, 31, 23, 0, 0, 999_000_000, time.UTC), c.Now(), "UTC, truncated to the unit")

	seen := map[time.Duration]bool{}
	prev := c.Now()
	for range 1000 {
		now := c.Tick()
		require.Equal(t, now, c.Now())
		step := now.Sub(prev)
		require.GreaterOrEqual(t, step, time.Second)
		require.Less(t, step, 2*time.Second)
		require.Zero(t, now.Nanosecond()%int(time.Millisecond))
		seen[step] = true
		prev = now
	}
	require.Len(t, seen, 1000, "a stride coprime with 1000 visits every millisecond")
}

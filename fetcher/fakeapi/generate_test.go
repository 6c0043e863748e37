package fakeapi

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCreationTimes(t *testing.T) {
	t.Parallel()
	g := NewGenerator(1, 2, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 0)
	times := g.CreationTimes(500)
	require.Len(t, times, 500)
	require.True(t, slices.IsSortedFunc(times, time.Time.Compare))
	for _, at := range times {
		require.False(t, at.Before(g.Start.Add(-365*24*time.Hour)))
		require.False(t, at.After(g.Start.Add(-time.Hour)))
	}
	require.Empty(t, g.CreationTimes(-1))
}

func TestThreadTimes(t *testing.T) {
	t.Parallel()
	created := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func() time.Time { return created.Add(time.Duration(rng.Int64N(int64(time.Hour)))) }
	times := ThreadTimes(50, created, draw)
	require.Len(t, times, 50)
	require.Equal(t, created, times[0], "the opening message comes at creation")
	require.True(t, slices.IsSortedFunc(times, time.Time.Compare))
	require.Empty(t, ThreadTimes(0, created, draw))
}

func TestMessageCount(t *testing.T) {
	t.Parallel()
	g := NewGenerator(1, 2, time.Time{}, 0)
	require.Zero(t, g.MessageCount())
	g.Avg = -3
	require.Zero(t, g.MessageCount())
	g.Avg = 5
	sum := 0
	for range 10_000 {
		n := g.MessageCount()
		require.True(t, 0 <= n && n <= 10)
		sum += n
	}
	require.InDelta(t, 5, float64(sum)/10_000, 0.2)
}

func TestLaterBefore(t *testing.T) {
	t.Parallel()
	g := NewGenerator(1, 2, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 0)
	for range 1000 {
		at := g.Start.Add(-time.Duration(g.Rng.Int64N(int64(48 * time.Hour))))
		later := g.LaterBefore(at)
		if g.Start.Sub(at) <= time.Second+time.Millisecond {
			require.Equal(t, at, later, "no room")
			continue
		}
		require.GreaterOrEqual(t, later.Sub(at), time.Millisecond)
		require.LessOrEqual(t, later.Sub(at), 6*time.Hour)
		require.True(t, later.Before(g.Start.Add(-time.Second)))
	}
}

func TestLater(t *testing.T) {
	t.Parallel()
	a, b := time.Unix(1, 0), time.Unix(2, 0)
	require.Equal(t, b, Later(a, b))
	require.Equal(t, b, Later(b, a))
}

func TestDraw(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for range 20_000 {
		counts[Draw(rng, []string{"a", "b", "never"}, 1, 3, 0)]++
	}
	require.Zero(t, counts["never"])
	require.InDelta(t, 0.75, float64(counts["b"])/20_000, 0.02)
	require.Equal(t, "only", Draw(rng, []string{"only"}, 1))
	require.Panics(t, func() { Draw(rng, []string{"a", "b"}, 1) })
}

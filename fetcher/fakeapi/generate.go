package fakeapi

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Generator is what every fake's Generate draws with: a seeded source, the
// instant the generated data leads up to (every generated time is before
// it), and the average number of messages in a conversation. A vendor's
// generator embeds it.
type Generator struct {
	Rng   *rand.Rand
	Start time.Time
	Avg   int
}

// NewGenerator seeds a Generator; stream tells the vendors' sources apart,
// so that one seed does not draw the same numbers for every vendor.
func NewGenerator(seed int64, stream uint64, start time.Time, avg int) Generator {
	return Generator{Rng: rand.New(rand.NewPCG(uint64(seed), stream)), Start: start, Avg: avg}
}

// Chance is true with probability p.
func (g *Generator) Chance(p float64) bool { return g.Rng.Float64() < p }

// CreationTimes draws n creation times over the year before Start (none in
// its last hour), ascending. Generators create objects in this order so that
// ids grow with creation time, as in a real account.
func (g *Generator) CreationTimes(n int) []time.Time {
	const year = 365 * 24 * time.Hour
	offsets := make([]int64, max(0, n))
	for i := range offsets {
		offsets[i] = g.Rng.Int64N(int64(year - time.Hour))
	}
	slices.Sort(offsets)
	times := make([]time.Time, len(offsets))
	for i, off := range offsets {
		times[i] = g.Start.Add(-year + time.Duration(off))
	}
	return times
}

// MessageCount draws how many messages a conversation gets: between 0 and
// twice Avg, Avg on average; 0 when Avg is not positive.
func (g *Generator) MessageCount() int {
	if g.Avg <= 0 {
		return 0
	}
	return g.Rng.IntN(2*g.Avg + 1)
}

// LaterBefore draws a time a little after t (a millisecond to six hours),
// but at least a second before Start: when an edit happens. It is t when
// there is no room.
func (g *Generator) LaterBefore(t time.Time) time.Time {
	room := g.Start.Sub(t) - time.Second
	if room <= time.Millisecond {
		return t
	}
	d := time.Duration(g.Rng.Int64N(int64(min(room, 6*time.Hour))))
	return t.Add(max(d, time.Millisecond))
}

// ThreadTimes returns the times of a conversation's n messages, ascending:
// the first at created (the opening message), the others drawn by draw.
func ThreadTimes(n int, created time.Time, draw func() time.Time) []time.Time {
	times := make([]time.Time, n)
	for i := range times {
		times[i] = draw()
	}
	slices.SortFunc(times, time.Time.Compare)
	if n > 0 {
		times[0] = created
	}
	return times
}

// Draw picks one of values, value i with a probability proportional to
// weights[i]; there must be a weight for every value.
func Draw[T any](rng *rand.Rand, values []T, weights ...float64) T {
	if len(weights) != len(values) {
		panic("fakeapi: Draw needs one weight per value")
	}
	total := 0.0
	for _, w := range weights {
		total += w
	}
	r := rng.Float64() * total
	for i, w := range weights[:len(weights)-1] {
		if r < w {
			return values[i]
		}
		r -= w
	}
	return values[len(values)-1]
}

// Pick draws an element of s, which must not be empty.
func Pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// Later is the later of a and b.
func Later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

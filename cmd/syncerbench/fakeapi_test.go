package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBudgetUsed(t *testing.T) {
	t.Parallel()
	at := func(sec float64) time.Time {
		return time.Unix(1_800_000_000, 0).Add(time.Duration(sec * float64(time.Second)))
	}
	c := &requestClock{}
	used, windows := c.budgetUsed(5*time.Second, 10, false)
	require.Zero(t, windows, "no requests")
	require.Zero(t, used)

	// Windows [0,5) [5,10) [10,15): 10 and 8 requests in the first two, 3 in
	// the last, which is left out.
	for i := range 10 {
		c.admitted = append(c.admitted, at(4.5+float64(i)*0.01))
	}
	for i := range 8 {
		c.admitted = append(c.admitted, at(5+float64(i)*0.5))
	}
	c.admitted = append(c.admitted, at(10), at(11), at(14.9))
	used, windows = c.budgetUsed(5*time.Second, 10, false)
	require.Equal(t, 2, windows)
	require.InDelta(t, 0.9, used, 1e-9)

	c.admitted = c.admitted[:10]
	_, windows = c.budgetUsed(5*time.Second, 10, false)
	require.Zero(t, windows, "all in one window: nothing to measure")

	// Windows that start at the first request, at 4.5 s: [4.5,9.5) holds
	// 10 + 8, [9.5,14.5) 2, and [14.5,19.5), left out, 1.
	for i := range 8 {
		c.admitted = append(c.admitted, at(5+float64(i)*0.5))
	}
	c.admitted = append(c.admitted, at(10), at(11), at(14.9))
	used, windows = c.budgetUsed(5*time.Second, 10, true)
	require.Equal(t, 2, windows)
	require.InDelta(t, 20.0/20, used, 1e-9)
}

package fetcher

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPacer(t *testing.T) {
	t.Parallel()

	setup := func(t *testing.T) (*Pacer, *time.Time) {
		t.Helper()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := NewPacer()
		p.nowFunc = func() time.Time { return now }
		return p, &now
	}
	headers := func(remaining int, reset time.Time) http.Header {
		h := http.Header{}
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		return h
	}

	t.Run("NoWaitWhileBudgetUnknownOrAmple", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		require.Zero(t, p.Reserve())
		p.Observe(headers(500, now.Add(time.Minute)))
		for range 10 {
			require.Zero(t, p.Reserve())
		}
	})

	t.Run("FirstRequestGoesAloneUntilAnswered", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		for _, answer := range []string{"answered", "failed"} {
			p := NewPacer()
			require.NoError(t, p.Wait(ctx), "the first request starts at once")
			second := make(chan error, 1)
			go func() { second <- p.Wait(ctx) }()
			select {
			case err := <-second:
				t.Fatalf("%s: a second request started before the first was answered (%v)", answer, err)
			case <-time.After(50 * time.Millisecond):
			}
			if answer == "answered" {
				p.Observe(http.Header{}) // even without rate-limit headers
			} else {
				p.Done() // no answer at all: the next request learns instead
			}
			require.NoError(t, <-second)
			p.Observe(http.Header{})
			require.NoError(t, p.Wait(ctx), "%s: once answered, requests overlap freely", answer)
		}
	})

	t.Run("SpreadsLowBudgetUntilReset", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.Observe(headers(10, now.Add(10*time.Second)))
		require.Zero(t, p.Reserve())                 // 9 left after this one: spaced by 10s/10
		require.Equal(t, time.Second, p.Reserve())   // 8 left: spaced by 9s/9
		require.Greater(t, p.Reserve(), time.Second) // and later still
	})

	t.Run("CountsRequestsInFlight", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.Observe(headers(100, now.Add(10*time.Second)))
		for range 80 {
			require.Zero(t, p.Reserve(), "ample budget: no wait")
		}
		// 80 in flight and unanswered: 19 left, so spacing starts.
		require.Zero(t, p.Reserve())
		require.Positive(t, p.Reserve())
		for range 82 {
			p.Done()
		}
		p.Observe(headers(100, now.Add(10*time.Second)))
		p.next = time.Time{}
		require.Zero(t, p.Reserve(), "answered requests free their slots")
	})

	t.Run("PlansWithItsShareWhenProcessesShareTheBudget", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.SetPeers(4)
		p.Observe(headers(100, now.Add(10*time.Second)))
		for range 4 {
			require.Zero(t, p.Reserve())
		}
		// 100/4 = 25, 4 in flight: 20 left after this one, still no wait;
		// the next leaves 19, under the margin.
		require.Zero(t, p.Reserve())
		require.Zero(t, p.Reserve())
		require.Positive(t, p.Reserve())
	})

	t.Run("WaitsForTheNextWindowWhenSpent", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.Observe(headers(2, now.Add(5*time.Second)))
		p.Reserve()
		p.Reserve()
		require.Equal(t, 5*time.Second, p.Reserve(), "the third request waits for the reset")
	})

	t.Run("HoldsEveryRequestAfterRateLimit", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.BlockUntil(now.Add(3 * time.Second))
		require.Equal(t, 3*time.Second, p.Delay())
		require.Equal(t, 3*time.Second, p.Reserve())
		p.BlockUntil(now.Add(time.Second)) // never shortens
		require.Equal(t, 3*time.Second, p.Delay())
	})
}

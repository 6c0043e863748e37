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
	// claim claims a slot, which must be free now.
	claim := func(t *testing.T, p *Pacer) {
		t.Helper()
		d, claimed := p.tryReserve()
		require.True(t, claimed, "a slot is free now")
		require.Zero(t, d)
	}
	// nextIn returns how long until the next slot, which must not be free.
	nextIn := func(t *testing.T, p *Pacer) time.Duration {
		t.Helper()
		d, claimed := p.tryReserve()
		require.False(t, claimed, "no slot is free now")
		require.Positive(t, d)
		return d
	}
	// claimUntil claims every slot before the clock reaches end, moving the
	// clock to each, and returns when each was claimed, from the start.
	claimUntil := func(p *Pacer, now *time.Time, end time.Time) []time.Duration {
		begin := *now
		var at []time.Duration
		for {
			d, claimed := p.tryReserve()
			if claimed {
				at = append(at, now.Sub(begin))
				continue
			}
			if !now.Add(d).Before(end) {
				return at
			}
			*now = now.Add(d)
		}
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
		claim(t, p)
		p.Observe(headers(500, now.Add(time.Minute)))
		for range 10 {
			claim(t, p)
		}
	})

	t.Run("NoBudgetHeadersNoPacing", func(t *testing.T) {
		t.Parallel()
		p, _ := setup(t)
		claim(t, p)
		p.Observe(http.Header{})
		for range 1000 {
			claim(t, p)
		}
	})

	t.Run("FirstRequestGoesAloneUntilAnswered", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		for _, answer := range []string{"answered", "failed"} {
			p := NewPacer()
			require.NoError(t, p.Wait(ctx, time.Minute), "the first request starts at once")
			second := make(chan error, 1)
			go func() { second <- p.Wait(ctx, time.Minute) }()
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
			require.NoError(t, p.Wait(ctx, time.Minute), "%s: once answered, requests overlap freely", answer)
		}
	})

	t.Run("GivesUpOnWaitsLongerThanAsked", func(t *testing.T) {
		t.Parallel()
		p := NewPacer()
		p.BlockUntil(time.Now().Add(time.Minute))
		err := p.Wait(context.Background(), time.Second)
		var long *WaitTooLongError
		require.ErrorAs(t, err, &long)
		require.Greater(t, long.Wait, 59*time.Second)
		require.Zero(t, p.inflight, "nothing claimed")
	})

	t.Run("AWaiterKeptWaitingWaitsAsLongAgain", func(t *testing.T) {
		t.Parallel()
		p := NewPacer()
		claim(t, p) // the first request, never answered: the others wait for it
		err := p.Wait(context.Background(), 50*time.Millisecond)
		var long *WaitTooLongError
		require.ErrorAs(t, err, &long)
		// Its next check was due in 5 ms, but it had already waited about
		// 50: asking again in 5 ms would most likely be in vain.
		require.GreaterOrEqual(t, long.Wait, 45*time.Millisecond)
		require.Equal(t, 1, p.inflight, "nothing more claimed")
	})

	t.Run("SendsHalfAtOnceAndSpreadsTheRest", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		reset := now.Add(10 * time.Second)
		p.Observe(headers(100, reset))
		at := claimUntil(p, now, reset)
		require.Len(t, at, 100, "the whole window's budget")
		for i := range 51 {
			require.Zero(t, at[i], "request %d, in the first half, goes at once", i+1)
		}
		for i := 51; i < 100; i++ {
			// 49 more, due one every 10s/50, the last 200 ms before the
			// reset.
			require.Equal(t, time.Duration(i-50)*200*time.Millisecond, at[i], "request %d", i+1)
		}
		require.Equal(t, 200*time.Millisecond, nextIn(t, p), "the rest waits for the reset")
	})

	t.Run("AnswersTellWhatIsLeft", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		reset := now.Add(10 * time.Second)
		p.Observe(headers(100, reset))
		for range 51 {
			claim(t, p)
		}
		for range 51 {
			p.Done()
		}
		// Another consumer spent more than these 51: 40 are left, and 50
		// still to come due, 40 of them after 2 s.
		p.Observe(headers(40, reset))
		require.Equal(t, 2*time.Second, nextIn(t, p))
	})

	t.Run("PlansWithItsShareWhenProcessesShareTheBudget", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		reset := now.Add(10 * time.Second)
		p.SetPeers(4)
		p.Observe(headers(100, reset))
		// A share of 25, less a margin of 1 for what the others sent
		// meanwhile: 12 at once, 12 spread over the 10 s.
		for range 12 {
			claim(t, p)
		}
		require.Equal(t, 400*time.Millisecond, nextIn(t, p))
		require.Len(t, claimUntil(p, now, reset), 12)
	})

	t.Run("WaitsForTheNextWindowWhenSpentAndProbesIt", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		reset := now.Add(5 * time.Second)
		p.Observe(headers(4, reset))
		require.Equal(t, []time.Duration{0, 0, 0, 2500 * time.Millisecond}, claimUntil(p, now, reset))
		require.Equal(t, 2500*time.Millisecond, p.Delay())
		require.Equal(t, 2500*time.Millisecond, nextIn(t, p), "the fifth request asks again at the reset")
		for range 4 {
			p.Done()
		}

		*now = reset
		claim(t, p) // the first request of the new window goes
		_, claimed := p.tryReserve()
		require.False(t, claimed, "the others wait for its answer: the new budget is unknown")
		p.Observe(headers(100, reset.Add(5*time.Second)))
		claim(t, p) // answered: the new window's budget is used
	})

	t.Run("StaleAnswersDoNotGiveBudgetBack", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		reset := now.Add(5 * time.Second)
		p.Observe(headers(3, reset))
		p.Observe(headers(40, reset)) // counted before the one above, read after it
		require.Len(t, claimUntil(p, now, reset), 3, "3 left in the window, not 40")

		p.Observe(headers(900, reset.Add(5*time.Second))) // the next window
		p.Observe(headers(0, reset))                      // the last answer of the old one
		for range 3 {
			p.Done()
		}
		claim(t, p) // the next window's budget stands
	})

	t.Run("AHeaderlessAnswerDoesNotBringBackAStaleBudget", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.Observe(headers(500, now.Add(time.Minute)))
		p.BlockUntil(now.Add(time.Second))
		*now = now.Add(time.Second)
		claim(t, p)              // the lone request that learns the budget…
		p.Observe(http.Header{}) // …gets a proxy's error page, without one
		p.Done()
		claim(t, p) // so the next request learns instead
		_, claimed := p.tryReserve()
		require.False(t, claimed, "the budget from before the 429 does not count")
	})

	t.Run("HoldsEveryRequestAfterRateLimit", func(t *testing.T) {
		t.Parallel()
		p, now := setup(t)
		p.Observe(headers(500, now.Add(time.Minute)))
		p.BlockUntil(now.Add(3 * time.Second))
		require.Equal(t, 3*time.Second, p.Delay())
		require.Equal(t, 3*time.Second, nextIn(t, p))
		p.BlockUntil(now.Add(time.Second)) // never shortens
		require.Equal(t, 3*time.Second, p.Delay())

		*now = now.Add(3 * time.Second)
		claim(t, p) // after the wait, one request learns the budget
		_, claimed := p.tryReserve()
		require.False(t, claimed, "and goes alone: the budget it knew is from before the 429")
	})
}

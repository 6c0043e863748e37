package fetcher

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pacerClock is a settable clock for pacer tests.
type pacerClock struct{ now time.Time }

func (c *pacerClock) Now() time.Time      { return c.now }
func (c *pacerClock) Add(d time.Duration) { c.now = c.now.Add(d) }

func newTestPacer(t *testing.T, cfg PacerConfig) (*Pacer, *pacerClock) {
	t.Helper()
	clock := &pacerClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg.NowFunc = clock.Now
	return NewPacer(cfg), clock
}

// claim claims a slot, which must be free now.
func claim(t *testing.T, p *Pacer) *Slot {
	t.Helper()
	s, d := p.tryReserve(true)
	require.NotNil(t, s, "a slot is free now")
	require.Zero(t, d)
	return s
}

// claimNext moves the clock to the next slot and claims it.
func claimNext(t *testing.T, p *Pacer, clock *pacerClock) *Slot {
	t.Helper()
	for {
		if s, d := p.tryReserve(true); s != nil {
			return s
		} else {
			clock.Add(d)
		}
	}
}

// nextIn returns how long until the next slot, which must not be free.
func nextIn(t *testing.T, p *Pacer) time.Duration {
	t.Helper()
	s, d := p.tryReserve(true)
	require.Nil(t, s, "no slot is free now")
	require.Positive(t, d)
	return d
}

// claimUntil claims every slot before the clock reaches end, moving the
// clock to each, and returns when each was claimed, from the start.
func claimUntil(p *Pacer, clock *pacerClock, end time.Time) []time.Duration {
	begin := clock.now
	var at []time.Duration
	// A pacer that paces nothing would give slots for ever: a hundred
	// thousand of them is answer enough.
	for len(at) < 100_000 {
		if s, d := p.tryReserve(true); s != nil {
			at = append(at, clock.now.Sub(begin))
			continue
		} else if !clock.now.Add(d).Before(end) {
			return at
		} else {
			clock.Add(d)
		}
	}
	return at
}

func budgetHeaders(remaining int, reset time.Time) http.Header {
	h := http.Header{}
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	return h
}

func TestPacerBudget(t *testing.T) {
	t.Parallel()

	t.Run("NoWaitWhileBudgetUnknownOrAmple", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		claim(t, p).Answered(http.StatusOK, budgetHeaders(500, clock.now.Add(time.Minute)))
		for range 10 {
			claim(t, p)
		}
	})

	t.Run("FirstRequestGoesAloneUntilAnswered", func(t *testing.T) {
		t.Parallel()
		for _, answer := range []string{"answered", "failed"} {
			p, clock := newTestPacer(t, PacerConfig{})
			first := claim(t, p)
			s, _ := p.tryReserve(true)
			require.Nil(t, s, "%s: a second request waits for the first's answer", answer)
			if answer == "answered" {
				first.Answered(http.StatusOK, budgetHeaders(500, clock.now.Add(time.Minute)))
			} else {
				first.Release() // no answer at all: the next request learns instead
				claim(t, p).Answered(http.StatusOK, budgetHeaders(500, clock.now.Add(time.Minute)))
			}
			claim(t, p)
			claim(t, p)
		}
	})

	t.Run("GivesUpOnWaitsLongerThanAsked", func(t *testing.T) {
		t.Parallel()
		p := NewPacer(PacerConfig{})
		p.BlockUntil(time.Now().Add(time.Minute))
		_, err := p.Wait(context.Background(), time.Second)
		var long *WaitTooLongError
		require.ErrorAs(t, err, &long)
		require.Greater(t, long.Wait, 59*time.Second)
		require.Zero(t, p.inflight, "nothing claimed")
	})

	t.Run("AWaiterKeptWaitingWaitsAsLongAgain", func(t *testing.T) {
		t.Parallel()
		p := NewPacer(PacerConfig{})
		claim(t, p) // the first request, never answered: the others wait for it
		_, err := p.Wait(context.Background(), 50*time.Millisecond)
		var long *WaitTooLongError
		require.ErrorAs(t, err, &long)
		// Its next check was due in 5 ms, but it had already waited about
		// 50: asking again in 5 ms would most likely be in vain.
		require.GreaterOrEqual(t, long.Wait, 45*time.Millisecond)
		require.Equal(t, 1, p.inflight, "nothing more claimed")
	})

	t.Run("SendsHalfAtOnceAndSpreadsTheRest", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		reset := clock.now.Add(10 * time.Second)
		claim(t, p).Answered(http.StatusOK, budgetHeaders(100, reset))
		at := claimUntil(p, clock, reset)
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
		p, clock := newTestPacer(t, PacerConfig{})
		reset := clock.now.Add(10 * time.Second)
		claim(t, p).Answered(http.StatusOK, budgetHeaders(100, reset))
		slots := make([]*Slot, 51)
		for i := range slots {
			slots[i] = claim(t, p)
		}
		for _, s := range slots[1:] {
			s.Release()
		}
		// Another consumer spent more than these 51: 40 are left, and 50
		// still to come due, 40 of them after 2 s.
		slots[0].Answered(http.StatusOK, budgetHeaders(40, reset))
		require.Equal(t, 2*time.Second, nextIn(t, p))
	})

	t.Run("PlansWithItsShareWhenProcessesShareTheBudget", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		reset := clock.now.Add(10 * time.Second)
		p.SetPeers(4)
		claim(t, p).Answered(http.StatusOK, budgetHeaders(100, reset))
		// A share of 25, less a margin of 1 for what the others sent
		// meanwhile: 12 at once, 12 spread over the 10 s.
		for range 12 {
			claim(t, p)
		}
		require.Equal(t, 400*time.Millisecond, nextIn(t, p))
		require.Len(t, claimUntil(p, clock, reset), 12)
	})

	t.Run("WaitsForTheNextWindowWhenSpentAndProbesIt", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		reset := clock.now.Add(5 * time.Second)
		claim(t, p).Answered(http.StatusOK, budgetHeaders(4, reset))
		require.Equal(t, []time.Duration{0, 0, 0, 2500 * time.Millisecond}, claimUntil(p, clock, reset))
		require.Equal(t, 2500*time.Millisecond, p.Delay())
		require.Equal(t, 2500*time.Millisecond, nextIn(t, p), "the fifth request asks again at the reset")

		clock.now = reset
		p2 := NewPacer(PacerConfig{NowFunc: clock.Now})
		p2.budget, p2.learning = p.budget, false
		first := claim(t, p2) // the first request of the new window goes
		s, _ := p2.tryReserve(true)
		require.Nil(t, s, "the others wait for its answer: the new budget is unknown")
		first.Answered(http.StatusOK, budgetHeaders(100, reset.Add(5*time.Second)))
		claim(t, p2) // answered: the new window's budget is used
	})

	t.Run("StaleAnswersDoNotGiveBudgetBack", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		reset := clock.now.Add(5 * time.Second)
		claim(t, p).Answered(http.StatusOK, budgetHeaders(3, reset))
		p.budget.observe(budgetHeaders(40, reset), clock.now) // counted before the one above, read after it
		require.Len(t, claimUntil(p, clock, reset), 3, "3 left in the window, not 40")

		p.budget.observe(budgetHeaders(900, reset.Add(5*time.Second)), clock.now) // the next window
		p.budget.observe(budgetHeaders(0, reset), clock.now)                      // the last answer of the old one
		p.inflight = 0
		claim(t, p) // the next window's budget stands
	})

	t.Run("AHeaderlessAnswerDoesNotBringBackAStaleBudget", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		claim(t, p).Answered(http.StatusOK, budgetHeaders(500, clock.now.Add(time.Minute)))
		p.BlockUntil(clock.now.Add(time.Second))
		clock.Add(time.Second)
		claim(t, p).Answered(http.StatusBadGateway, http.Header{}) // the lone request that learns the budget gets a proxy's error page
		claim(t, p)                                                // so the next request learns instead
		s, _ := p.tryReserve(true)
		require.Nil(t, s, "the budget from before the 429 does not count")
	})

	t.Run("HoldsEveryRequestAfterRateLimit", func(t *testing.T) {
		t.Parallel()
		p, clock := newTestPacer(t, PacerConfig{})
		claim(t, p).Answered(http.StatusOK, budgetHeaders(500, clock.now.Add(time.Minute)))
		wait := claim(t, p).Refused(budgetHeaders(0, clock.now.Add(time.Minute)), 3*time.Second)
		require.GreaterOrEqual(t, wait, 3*time.Second)
		require.Equal(t, wait, p.Delay())
		require.Equal(t, wait, nextIn(t, p))
		p.BlockUntil(clock.now.Add(time.Second)) // never shortens
		require.Equal(t, wait, p.Delay())

		clock.Add(wait)
		claim(t, p) // after the wait, one request learns the budget
		s, _ := p.tryReserve(true)
		require.Nil(t, s, "and goes alone: the budget it knew is from before the 429")
	})

	t.Run("CapsAVendorsWaitAtADay", func(t *testing.T) {
		t.Parallel()
		// A reset in milliseconds read as seconds: a wait that saturates a
		// Duration, which its jitter would overflow to a negative wait.
		p, _ := newTestPacer(t, PacerConfig{})
		wait := claim(t, p).Refused(http.Header{}, time.Duration(math.MaxInt64))
		require.GreaterOrEqual(t, wait, maxVendorWait)
		require.LessOrEqual(t, wait, maxVendorWait+maxVendorWait/10+50*time.Millisecond)
	})
}

// learnedRate is what the test pacer's rate learner paces at.
func learnedRate(p *Pacer) float64 { return p.rate.perSec }

func TestPacerRate(t *testing.T) {
	t.Parallel()

	// start answers the first request without headers: from then on the
	// pacer paces by rate.
	start := func(t *testing.T, cfg PacerConfig) (*Pacer, *pacerClock) {
		t.Helper()
		p, clock := newTestPacer(t, cfg)
		claim(t, p).Answered(http.StatusOK, http.Header{})
		return p, clock
	}
	// saturate claims and answers every slot for d, as workers with more
	// work than the rate allows do, and returns how many went.
	saturate := func(p *Pacer, clock *pacerClock, d time.Duration) int {
		end := clock.now.Add(d)
		n := 0
		for clock.now.Before(end) {
			s, wait := p.tryReserve(true)
			if s == nil {
				clock.Add(wait)
				continue
			}
			s.Answered(http.StatusOK, http.Header{})
			n++
		}
		return n
	}

	t.Run("SlowStartDoublesWhileThePacerHoldsTheRequests", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{})
		require.InDelta(t, initialRate, learnedRate(p), 0.01)
		saturate(p, clock, time.Second)
		require.InDelta(t, 16*initialRate, learnedRate(p), 2*initialRate, "four doublings in a second")
	})

	t.Run("DoesNotGrowWhenDemandIsLow", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{})
		for range 20 {
			clock.Add(time.Second)
			s, _ := p.tryReserve(false) // a request that found its slot free
			s.Answered(http.StatusOK, http.Header{})
		}
		require.InDelta(t, initialRate, learnedRate(p), 0.01)
	})

	t.Run("SpacesRequestsEvenly", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			limit    RateLimit
			over     time.Duration
			slots    int
			interval time.Duration
		}{
			// The limit less a 2% margin: a slot every 10 s / 98.
			{RateLimit{Requests: 100, Window: 10 * time.Second}, 10 * time.Second, 98, 10 * time.Second / 98},
			// Leaving a request of each window unused would leave
			// nothing: the margin is at most half the limit.
			{RateLimit{Requests: 1, Window: 2 * time.Second}, 20 * time.Second, 5, 4 * time.Second},
		} {
			p, clock := start(t, PacerConfig{Limit: tc.limit})
			at := claimUntil(p, clock, clock.now.Add(tc.over))
			require.Equal(t, tc.slots, len(at), "slots in %s at %+v", tc.over, tc.limit)
			for i := 1; i < len(at); i++ {
				require.InDelta(t, float64(tc.interval), float64(at[i]-at[i-1]), float64(time.Microsecond), "%+v", tc.limit)
			}
		}
	})

	t.Run("TheLogOfAnswersStaysTenMinutesLongAfterALull", func(t *testing.T) {
		t.Parallel()
		var l servedLog
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		l.add(at)
		for _, lull := range []time.Duration{9 * time.Minute, 11 * time.Minute, 24 * time.Hour} {
			at = at.Add(lull)
			l.add(at)
			require.LessOrEqual(t, cap(l.counts), 2*maxServedBuckets, "after a lull of %s", lull)
		}
		require.Equal(t, 1, l.count(at, time.Hour), "the lulls emptied the log")
	})

	t.Run("AStatedLimitIsSharedByTheProcesses", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{Limit: RateLimit{Requests: 100, Window: 10 * time.Second}})
		p.SetPeers(2)
		require.Len(t, claimUntil(p, clock, clock.now.Add(10*time.Second)), 49, "a slot every 10 s / 49")
		rate, ok := p.LearnedRate()
		require.True(t, ok)
		require.InDelta(t, 9.8, rate, 0.01, "the source's rate, over both")
	})

	t.Run("FirstRefusalHalvesThenGrowsSlowlyAndCutsByATenth", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{})
		saturate(p, clock, time.Second)
		before := learnedRate(p)
		slot := claimNext(t, p, clock)
		served := float64(p.rate.served.count(clock.now, time.Second))
		wait := slot.Refused(http.Header{}, 0)
		require.Equal(t, firstProbeWait, wait, "a refusal that says nothing: probe again soon")
		require.InDelta(t, min(before/2, served), learnedRate(p), 0.01, "half, or what was served in the last second if less")
		first := learnedRate(p)
		clock.Add(wait)
		claimNext(t, p, clock).Answered(http.StatusOK, http.Header{}) // the probe: the episode is over
		cut := learnedRate(p)
		require.InDelta(t, first, cut, first*0.01, "one cut for the episode")
		saturate(p, clock, 4*time.Second)
		require.InDelta(t, cut*(1+4*stepShare), learnedRate(p), cut*0.01, "a step per second")
		grown := learnedRate(p)
		clock.Add(2 * time.Second) // long after the last refusals
		claimNext(t, p, clock).Refused(http.Header{}, 0)
		require.InDelta(t, grown*decreaseFactor, learnedRate(p), 0.01)
		_, ok := p.LearnedRate()
		require.True(t, ok)
	})

	t.Run("RecoversQuicklyToMostOfTheRefusedRate", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{})
		p.AdoptRate(40)
		clock.Add(2 * time.Second)
		claimNext(t, p, clock).Refused(http.Header{}, 0)
		require.InDelta(t, 36, learnedRate(p), 0.01)
		clock.Add(firstProbeWait)
		claimNext(t, p, clock).Answered(http.StatusOK, http.Header{})
		saturate(p, clock, 3*time.Second)
		require.Greater(t, learnedRate(p), 0.99*recoverShare*40, "within 1%% of 95%% of the refused rate in 3 s")
	})

	t.Run("AnEpisodeCutsOnceAndProbesLessAndLessOften", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{MaxProbeWait: time.Second})
		saturate(p, clock, time.Second)
		var waits []time.Duration
		var rate float64
		for i := range 6 {
			waits = append(waits, claimNext(t, p, clock).Refused(http.Header{}, 0))
			if i == 0 {
				rate = learnedRate(p)
			}
			clock.Add(waits[i])
		}
		require.Equal(t, []time.Duration{100, 200, 400, 800, 1000, 1000}, scaleMillis(waits), "doubling to the cap")
		require.Equal(t, rate, learnedRate(p), "a window spent until its end is one refusal, not six")
	})

	t.Run("ARefusalSentBeforeTheHoldAddsNothing", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{})
		saturate(p, clock, time.Second)
		early := claimNext(t, p, clock)
		wait := claimNext(t, p, clock).Refused(http.Header{}, 0)
		rate := learnedRate(p)
		clock.Add(10 * time.Millisecond)
		require.Equal(t, wait-10*time.Millisecond, early.Refused(http.Header{}, 0), "what is left of the hold")
		require.Equal(t, rate, learnedRate(p))
	})

	t.Run("ProbesNeverPastTheNextAlignedWindow", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{AlignedWindow: time.Minute})
		clock.now = clock.now.Truncate(time.Minute).Add(58 * time.Second)
		var waits []time.Duration
		for range 5 {
			w := claimNext(t, p, clock).Refused(http.Header{}, 0)
			waits = append(waits, w)
			clock.Add(w)
		}
		require.Equal(t, []time.Duration{100, 200, 400, 800}, scaleMillis(waits[:4]), "probes while the window lasts")
		require.Less(t, waits[4], 550*time.Millisecond, "the next one at the window's start, not 1.6 s later")
		require.GreaterOrEqual(t, waits[4], 500*time.Millisecond)
	})

	t.Run("ARefusalWaitsForTheResetItsWindowsShowed", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{MaxProbeWait: time.Second})
		saturate(p, clock, time.Second)
		// Two windows of a minute spent in a burst: each a long run of
		// refusals, ended by a probe answered once the window reset.
		windowStart := clock.now
		for range 2 {
			for {
				w := claimNext(t, p, clock).Refused(http.Header{}, 0)
				clock.Add(w)
				if !clock.now.Before(windowStart.Add(time.Minute)) {
					break
				}
			}
			claimNext(t, p, clock).Answered(http.StatusOK, http.Header{})
			windowStart = windowStart.Add(time.Minute)
			clock.Add(30 * time.Second)
		}
		period := p.rate.period
		require.InDelta(t, time.Minute, period, float64(time.Second), "the windows' period, learned")
		wait := claimNext(t, p, clock).Refused(http.Header{}, 0)
		require.Greater(t, wait, 20*time.Second, "wait for the predicted reset, not a probe in 100 ms")
		require.LessOrEqual(t, wait, period)
	})

	t.Run("TheVendorsWaitWins", func(t *testing.T) {
		t.Parallel()
		p, clock := start(t, PacerConfig{AlignedWindow: time.Minute})
		wait := claimNext(t, p, clock).Refused(http.Header{}, 30*time.Second)
		require.GreaterOrEqual(t, wait, 30*time.Second)
		require.Less(t, wait, 33*time.Second+50*time.Millisecond)
	})

	t.Run("AnAdoptedRateSkipsTheSlowStartAndOnlyLowers", func(t *testing.T) {
		t.Parallel()
		p, _ := start(t, PacerConfig{})
		p.SetPeers(2)
		p.AdoptRate(60)
		require.InDelta(t, 30, learnedRate(p), 0.01, "its share of what the source allows")
		require.False(t, p.rate.slowStart)
		p.AdoptRate(100)
		require.InDelta(t, 30, learnedRate(p), 0.01)
		p.AdoptRate(40)
		require.InDelta(t, 20, learnedRate(p), 0.01)
	})
}

func scaleMillis(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d / time.Millisecond
	}
	return out
}

package fetcher

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The pacer against simulated vendors: a model check on a simulated clock,
// so it runs in milliseconds and the same every time. Workers with more
// work than the limit allows keep up to 32 requests in flight; each request
// reaches the vendor half a round trip after it leaves, and its answer
// comes back half a round trip later.

// simVendor decides whether a request arriving at at is within the limit.
type simVendor interface {
	admit(at time.Time) bool
	// perSec is the limit's long-run rate.
	perSec() float64
}

// simFixed is a fixed-window counter; aligned windows follow each other on
// the clock (rack-attack), the others start at the first request after the
// previous one ended.
type simFixed struct {
	limit   int
	window  time.Duration
	aligned bool
	start   time.Time
	used    int
}

func (v *simFixed) perSec() float64 { return float64(v.limit) / v.window.Seconds() }

func (v *simFixed) admit(at time.Time) bool {
	switch {
	case v.aligned && !at.Truncate(v.window).Equal(v.start):
		v.start, v.used = at.Truncate(v.window), 0
	case !v.aligned && !at.Before(v.start.Add(v.window)):
		v.start, v.used = at, 0
	}
	v.used++
	return v.used <= v.limit
}

// simSliding allows limit requests in any window ending now.
type simSliding struct {
	limit  int
	window time.Duration
	log    []time.Time
}

func (v *simSliding) perSec() float64 { return float64(v.limit) / v.window.Seconds() }

func (v *simSliding) admit(at time.Time) bool {
	for len(v.log) > 0 && !v.log[0].After(at.Add(-v.window)) {
		v.log = v.log[1:]
	}
	if len(v.log) >= v.limit {
		return false
	}
	v.log = append(v.log, at)
	return true
}

// simBucket is a token bucket: rate per second, up to burst saved.
type simBucket struct {
	rate   float64
	burst  float64
	tokens float64
	at     time.Time
}

func (v *simBucket) perSec() float64 { return v.rate }

func (v *simBucket) admit(at time.Time) bool {
	if v.at.IsZero() {
		v.tokens = v.burst
	} else {
		v.tokens = min(v.burst, v.tokens+at.Sub(v.at).Seconds()*v.rate)
	}
	v.at = at
	if v.tokens < 1 {
		return false
	}
	v.tokens--
	return true
}

type simResult struct {
	admitted, refused int
	elapsed           time.Duration
	// used is the admitted requests over what the limit allows in the
	// time measured.
	used float64
}

func (r simResult) refusedShare() float64 {
	return float64(r.refused) / float64(max(r.admitted+r.refused, 1))
}

func (r simResult) String() string {
	return fmt.Sprintf("%.1f%% of the limit used, %d admitted, %d refused (%.2f%%)", 100*r.used, r.admitted, r.refused, 100*r.refusedShare())
}

// simulate runs processes, each with its own pacer, against v for d (or
// until stop says so), and measures from skip on.
func simulate(clock *pacerClock, pacers []*Pacer, v simVendor, d, skip, rtt time.Duration, stop func(simResult) bool) simResult {
	type answer struct {
		at   time.Time
		slot *Slot
		ok   bool
	}
	type process struct {
		p     *Pacer
		queue []answer // in answer order: every round trip takes the same time
		// held is set while a request waits for the pacer, not for a
		// worker: only then did the pacer set the pace.
		held bool
	}
	const concurrency = 32
	procs := make([]*process, len(pacers))
	for i, p := range pacers {
		procs[i] = &process{p: p}
	}
	var res simResult
	begin := clock.now
	end := begin.Add(d)
	for clock.now.Before(end) && (stop == nil || !stop(res)) {
		wake := end
		for _, pr := range procs {
			for len(pr.queue) > 0 && !pr.queue[0].at.After(clock.now) {
				a := pr.queue[0]
				pr.queue = pr.queue[1:]
				if a.ok {
					a.slot.Answered(http.StatusOK, http.Header{})
				} else {
					a.slot.Refused(http.Header{}, 0)
				}
			}
			for len(pr.queue) < concurrency {
				s, wait := pr.p.tryReserve(pr.held)
				pr.held = s == nil
				if s == nil {
					wake = minTime(wake, clock.now.Add(wait))
					break
				}
				ok := v.admit(clock.now.Add(rtt / 2))
				if !clock.now.Before(begin.Add(skip)) {
					if ok {
						res.admitted++
					} else {
						res.refused++
					}
				}
				pr.queue = append(pr.queue, answer{at: clock.now.Add(rtt), slot: s, ok: ok})
			}
			if len(pr.queue) > 0 {
				wake = minTime(wake, pr.queue[0].at)
			}
		}
		clock.now = maxTime(wake, clock.now.Add(time.Microsecond))
	}
	res.elapsed = clock.now.Sub(begin)
	res.used = float64(res.admitted) / (v.perSec() * (res.elapsed - skip).Seconds())
	return res
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func TestPacerAgainstSimulatedLimits(t *testing.T) {
	t.Parallel()
	// The targets: at least 90% of the limit used, at most 2% of requests
	// refused, whatever the limit's shape, told or not.
	const minUsed, maxRefused = 0.9, 0.02
	type vendor struct {
		name string
		new  func() simVendor
		cfg  PacerConfig
		// d is how long to run; from is when to start measuring (whole
		// windows of a fixed-window limit).
		d, from time.Duration
	}
	second := func(aligned bool) func() simVendor {
		return func() simVendor { return &simFixed{limit: 40, window: time.Second, aligned: aligned} }
	}
	minute := func(aligned bool) func() simVendor {
		return func() simVendor { return &simFixed{limit: 3000, window: time.Minute, aligned: aligned} }
	}
	vendors := []vendor{
		{name: "40/s, windows from the first request", new: second(false), d: 60 * time.Second},
		{name: "40/s, clock windows", new: second(true), d: 60 * time.Second},
		{name: "40/s, clock windows, told", new: second(true), cfg: PacerConfig{AlignedWindow: time.Second}, d: 60 * time.Second},
		{name: "40/s stated", new: second(false), cfg: PacerConfig{Limit: RateLimit{40, time.Second}}, d: 60 * time.Second},
		{name: "3000/min, clock windows (Chatwoot)", new: minute(true), cfg: PacerConfig{AlignedWindow: time.Minute}, d: 6 * time.Minute, from: time.Minute},
		{name: "3000/min, clock windows, not told", new: minute(true), d: 6 * time.Minute, from: time.Minute},
		{name: "3000/min, windows from the first request", new: minute(false), d: 6 * time.Minute, from: time.Minute},
		{name: "40/s, clock windows, a minute's told (a proxy's limit)", new: second(true), cfg: PacerConfig{AlignedWindow: time.Minute}, d: 60 * time.Second},
		{name: "3000/min stated", new: minute(false), cfg: PacerConfig{Limit: RateLimit{3000, time.Minute}}, d: 6 * time.Minute},
		{name: "100/min, windows from the first request", new: func() simVendor { return &simFixed{limit: 100, window: time.Minute} }, d: 20 * time.Minute, from: time.Minute},
		{name: "600/min, clock windows (Chatwoot)", new: func() simVendor { return &simFixed{limit: 600, window: time.Minute, aligned: true} }, cfg: PacerConfig{AlignedWindow: time.Minute}, d: 10 * time.Minute, from: time.Minute},
		{name: "100/min, clock windows (Chatwoot)", new: func() simVendor { return &simFixed{limit: 100, window: time.Minute, aligned: true} }, cfg: PacerConfig{AlignedWindow: time.Minute}, d: 20 * time.Minute, from: time.Minute},
		{name: "sliding 200 per 5 s", new: func() simVendor { return &simSliding{limit: 200, window: 5 * time.Second} }, d: 2 * time.Minute},
		{name: "token bucket 40/s, burst 80", new: func() simVendor { return &simBucket{rate: 40, burst: 80} }, d: time.Minute},
	}
	for _, rtt := range []time.Duration{2 * time.Millisecond, 150 * time.Millisecond} {
		for _, v := range vendors {
			t.Run(fmt.Sprintf("%s, round trip %s", v.name, rtt), func(t *testing.T) {
				t.Parallel()
				p, clock := newTestPacer(t, v.cfg)
				res := simulate(clock, []*Pacer{p}, v.new(), v.d, v.from, rtt, nil)
				t.Logf("%s, round trip %s: %s", v.name, rtt, res)
				require.GreaterOrEqual(t, res.used, minUsed, "%s", res)
				require.LessOrEqual(t, res.refusedShare(), maxRefused, "%s", res)
			})
		}
	}
}

// TestPacerShortBackfillAgainstSimulatedLimits is the Chatvolt
// case: 520 requests against 40 per second, in windows of a second, told
// nothing. They are 13 s of the vendor's budget; the target is 2x that.
func TestPacerShortBackfillAgainstSimulatedLimits(t *testing.T) {
	t.Parallel()
	for _, aligned := range []bool{false, true} {
		p, clock := newTestPacer(t, PacerConfig{})
		v := &simFixed{limit: 40, window: time.Second, aligned: aligned}
		res := simulate(clock, []*Pacer{p}, v, time.Minute, 0, 2*time.Millisecond, func(r simResult) bool { return r.admitted >= 520 })
		t.Logf("aligned %t: 520 requests in %s: %s", aligned, res.elapsed, res)
		require.Less(t, res.elapsed, 15*time.Second, "within 15%% of the budget's 13 s")
		require.LessOrEqual(t, res.refusedShare(), 0.02)
	}
}

// TestPacerProcessesSharingALimit runs two processes against one vendor,
// the second joining later: together they stay under the limit.
func TestPacerProcessesSharingALimit(t *testing.T) {
	t.Parallel()
	for _, v := range []simVendor{
		&simFixed{limit: 40, window: time.Second},
		&simFixed{limit: 3000, window: time.Minute, aligned: true},
	} {
		clock := &pacerClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		a := NewPacer(PacerConfig{NowFunc: clock.Now})
		b := NewPacer(PacerConfig{NowFunc: clock.Now})
		res := simulate(clock, []*Pacer{a, b}, v, 5*time.Minute, time.Minute, 2*time.Millisecond, nil)
		t.Logf("%.0f/s: %s", v.perSec(), res)
		require.GreaterOrEqual(t, res.used, 0.9)
		require.LessOrEqual(t, res.refusedShare(), 0.02)
	}
}

package fetcher

import (
	"net/http"
	"strconv"
	"time"
)

// budget is what a vendor that sends X-Ratelimit-Remaining and
// X-Ratelimit-Reset (epoch seconds) says is left of its window. At a
// window's start a process may send half of its share of the budget at
// once; the other half it spreads evenly until the reset, so that several
// processes sharing the budget, or one that joins late, find it unspent
// rather than race for it, and a short pass is not slowed down.
//
// Answers arrive in any order: with a hundred requests in flight, one the
// server counted early is often read after one it counted later. So within
// a window the budget only goes down, and an answer from a window that has
// already given way to a later one is ignored; otherwise a stale answer
// would give back budget that later requests spent, and the window would
// end in refusals.
type budget struct {
	// seen is set once the vendor sent a budget: it is then paced by it.
	seen      bool
	remaining int // -1 while no answer has told it
	reset     time.Time
	// windowStart and windowRemaining are when this process first heard of
	// the current window and what was left of it then: the budget it
	// spreads until the reset.
	windowStart     time.Time
	windowRemaining int
}

// spreadShare is the part of its share of a window's budget that a process
// spreads evenly until the reset, instead of sending at once.
const spreadShare = 0.5

// observe learns the budget from an answer's headers (any case), and
// reports whether they told the current window's (not an ended one's).
func (b *budget) observe(h http.Header, now time.Time) bool {
	remaining, err1 := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	resetEpoch, err2 := strconv.ParseFloat(h.Get("X-Ratelimit-Reset"), 64)
	if err1 != nil || err2 != nil {
		return false
	}
	b.seen = true
	reset := time.Unix(0, int64(resetEpoch*float64(time.Second)))
	if b.remaining >= 0 {
		if reset.Before(b.reset) {
			return false // from a window that has already ended
		}
		if reset.Equal(b.reset) {
			remaining = min(remaining, b.remaining)
		}
	}
	if b.remaining < 0 || reset.After(b.reset) {
		b.windowStart, b.windowRemaining = now, remaining
	}
	b.remaining, b.reset = remaining, reset
	return true
}

// expired reports whether the window the budget described has reset: it is
// to be learned afresh from the next answer.
func (b *budget) expired(now time.Time) bool {
	return b.remaining >= 0 && !now.Before(b.reset)
}

// margin is how much of its share of a window a process leaves
// unused when it shares the budget with others: what each knows of the
// budget lags behind the other processes' latest requests, and a refusal
// costs far more (the vendor's whole Retry-After) than the margin does.
func (b *budget) margin(peers int) int {
	if peers <= 1 {
		return 0
	}
	return 1 + b.windowRemaining/peers/50
}

// slot returns when the next request may start under the budget, and
// whether it may claim that slot.
func (b *budget) slot(now time.Time, inflight, peers int) (time.Time, bool) {
	if b.remaining < 0 {
		return now, true // not told yet: the answer in flight will
	}
	// What is left of this process's share of the window once its requests
	// in flight are counted, this one included.
	left := b.remaining/peers - inflight - 1 - b.margin(peers)
	if left < 0 {
		return b.reset, false // spent: ask again at the reset
	}
	start := now
	// The spread part of the share comes due evenly over the window, its
	// last request one interval before the reset: a slot is free once no
	// more is left than is not due yet.
	spread := spreadShare * float64(b.windowRemaining) / float64(peers)
	if span := b.reset.Sub(b.windowStart); spread > 0 && span > 0 {
		earliest := b.reset.Add(-time.Duration(float64(left+1) * float64(span) / spread))
		if earliest.After(start) {
			start = earliest
		}
	}
	if !start.Before(b.reset) {
		// The slot falls in the next window, whose budget is not known
		// yet: ask again at the reset.
		return b.reset, false
	}
	return start, true
}

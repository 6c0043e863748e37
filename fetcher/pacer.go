package fetcher

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Pacer spaces the requests of one source (shared by all its workers in a
// process) so that they stay inside the vendor's rate limit. It learns the
// budget from X-Ratelimit-Remaining / X-Ratelimit-Reset. At a window's start
// a process may send half of its share of the budget at once; the other
// half it spreads evenly until the reset, so that several processes sharing
// the budget, or one that joins late, find it unspent rather than race for
// it, and a short pass is not slowed down. After a 429 it holds every
// request until the vendor's wait is over.
//
// Whenever the budget is not known — before the first answer, once the
// window it described has reset, after a 429's wait — the requests still in
// flight are answered first, then one request goes alone until its answer
// tells the budget. A new window may allow fewer
// requests than are waiting for it, and other processes sharing the source
// may have spent it already: sending every waiting request at once would
// end in 429s.
type Pacer struct {
	mu           sync.Mutex
	blockedUntil time.Time
	remaining    int // -1 while no answer has told it
	reset        time.Time
	// windowStart and windowRemaining are when this process first heard of
	// the current window and what was left of it then: the budget it
	// spreads until the reset.
	windowStart     time.Time
	windowRemaining int
	// known is set while remaining and reset describe the current window
	// (or the vendor sends no budget at all).
	known bool
	// inflight counts requests started and not answered yet: the budget a
	// response reports does not know of them.
	inflight int
	// peers is how many processes share the source's budget (at least 1):
	// the server's count of what is left is theirs together.
	peers   int
	nowFunc func() time.Time
}

// NewPacer returns a Pacer that knows nothing of the budget yet.
func NewPacer() *Pacer {
	return &Pacer{remaining: -1, peers: 1, nowFunc: time.Now}
}

// spreadShare is the part of its share of a window's budget that a process
// spreads evenly until the reset, instead of sending at once.
const spreadShare = 0.5

// marginLocked is how much of its share of a window a process leaves
// unused when it shares the budget with others: what each knows of the
// budget lags behind the other processes' latest requests, and a 429 costs
// far more (the vendor's whole Retry-After) than the margin does.
func (p *Pacer) marginLocked() int {
	if p.peers <= 1 {
		return 0
	}
	return 1 + p.windowRemaining/p.peers/50
}

// probePoll is how often a request waiting for the budget to be known
// checks again: for about one round trip, once per window.
const probePoll = 5 * time.Millisecond

// Delay tells how long a request starting now would wait for its slot,
// without claiming it.
func (p *Pacer) Delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.nowFunc()
	start, _ := p.slotLocked(now)
	return start.Sub(now)
}

// tryReserve claims a request slot if one is free now; the caller must call
// Done once the request is answered. Otherwise it claims nothing and returns
// how long to wait before asking again: slots are never claimed ahead, so
// that what is learned meanwhile (an answer telling less is left, a 429)
// holds back every request not yet sent.
func (p *Pacer) tryReserve() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.nowFunc()
	start, ok := p.slotLocked(now)
	if ok && !start.After(now) {
		p.inflight++
		return 0, true
	}
	return start.Sub(now), false
}

// slotLocked returns when the next request may start, and whether it may
// claim that slot; false means: ask again then.
func (p *Pacer) slotLocked(now time.Time) (time.Time, bool) {
	if now.Before(p.blockedUntil) {
		return p.blockedUntil, false
	}
	if !p.blockedUntil.IsZero() {
		// The wait a 429 asked for is over: the budget is learned afresh.
		p.blockedUntil = time.Time{}
		p.known = false
	}
	if p.known && p.remaining >= 0 && !now.Before(p.reset) {
		p.known = false // the window the budget described has reset
	}
	if !p.known {
		if p.inflight > 0 {
			return now.Add(probePoll), false
		}
		return now, true
	}
	if p.remaining < 0 {
		return now, true // the vendor tells no budget
	}
	// What is left of this process's share of the window once its requests
	// in flight are counted, this one included.
	budget := p.remaining/p.peers - p.inflight - 1 - p.marginLocked()
	if budget < 0 {
		return p.reset, false // spent: ask again at the reset
	}
	start := now
	// The spread part of the share comes due evenly over the window, its
	// last request one interval before the reset: a slot is free once no
	// more is left than is not due yet.
	spread := spreadShare * float64(p.windowRemaining) / float64(p.peers)
	if span := p.reset.Sub(p.windowStart); spread > 0 && span > 0 {
		earliest := p.reset.Add(-time.Duration(float64(budget+1) * float64(span) / spread))
		if earliest.After(start) {
			start = earliest
		}
	}
	if !start.Before(p.reset) {
		// The slot falls in the next window, whose budget is not known
		// yet: ask again at the reset.
		return p.reset, false
	}
	return start, true
}

// SetPeers says how many processes share the source's rate limit, so that
// each plans with its share of what the server says is left.
func (p *Pacer) SetPeers(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.peers = max(n, 1)
}

// Done ends a request claimed with Wait: call it once its answer's headers
// are read (see Observe), or once it failed without an answer.
func (p *Pacer) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight > 0 {
		p.inflight--
	}
}

// WaitTooLongError is returned by Wait when the next slot is further away
// than the caller would wait.
type WaitTooLongError struct {
	// Wait is how long the request should wait before asking again: until
	// the next slot, or, when other requests kept taking the slots it waited
	// for, as long again as it already waited.
	Wait time.Duration
}

func (e *WaitTooLongError) Error() string {
	return fmt.Sprintf("the rate limit's next slot is %s away", e.Wait.Round(time.Millisecond))
}

// Wait blocks until a request may start, or ctx ends, or the start would be
// more than maxWait from when Wait was called (a *WaitTooLongError). On
// success the caller must call Done once the request is answered (its
// headers read) or has failed.
func (p *Pacer) Wait(ctx context.Context, maxWait time.Duration) error {
	started := p.nowFunc()
	giveUp := started.Add(maxWait)
	for {
		d, claimed := p.tryReserve()
		if claimed {
			if err := ctx.Err(); err != nil {
				p.Done()
				return err
			}
			return nil
		}
		if now := p.nowFunc(); now.Add(d).After(giveUp) {
			return &WaitTooLongError{Wait: max(d, now.Sub(started))}
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// BlockUntil holds every request until t (a 429's Retry-After).
func (p *Pacer) BlockUntil(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.blockedUntil) {
		p.blockedUntil = t
	}
}

// Observe learns the budget from a response's rate-limit headers (any case of
// X-Ratelimit-Remaining and X-Ratelimit-Reset, the latter in epoch seconds).
// Call it for every response: a vendor that sends no budget has none to
// learn, and its requests are not held back.
//
// Answers arrive in any order: with a hundred requests in flight, one the
// server counted early is often read after one it counted later. So within
// a window the budget only goes down, and an answer from a window that has
// already given way to a later one is ignored; otherwise a stale answer
// would give back budget that later requests spent, and the window would
// end in 429s.
func (p *Pacer) Observe(h http.Header) {
	remaining, err1 := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	resetEpoch, err2 := strconv.ParseFloat(h.Get("X-Ratelimit-Reset"), 64)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err1 != nil || err2 != nil {
		// No budget in this answer: a vendor that never sends one has none
		// to learn. One that does (this answer may be a proxy's error page)
		// is still to be learned from a later answer.
		if p.remaining < 0 {
			p.known = true
		}
		return
	}
	reset := time.Unix(0, int64(resetEpoch*float64(time.Second)))
	if p.remaining >= 0 {
		if reset.Before(p.reset) {
			return // from a window that has already ended
		}
		if reset.Equal(p.reset) {
			remaining = min(remaining, p.remaining)
		}
	}
	if p.remaining < 0 || reset.After(p.reset) {
		p.windowStart, p.windowRemaining = p.nowFunc(), remaining
	}
	p.remaining = remaining
	p.reset = reset
	p.known = true
}

package fetcher

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Pacer spaces the requests of one source (shared by all its workers in a
// process) so that they stay inside the vendor's rate limit, told or not.
// It is one mechanism with two ways of knowing the limit:
//
//   - Budget: a vendor that sends X-Ratelimit-Remaining and -Reset (DevRev)
//     says what is left of the window; the pacer spends it (see budget).
//   - Rate: a vendor that sends nothing (Chatvolt, Chatwoot) is paced at a
//     rate of requests per second, learned from the throttles themselves
//     (see rateLearner), or stated by the user (PacerConfig.Limit).
//
// After a refusal (429, or a vendor's own status), every request is held for
// the wait the vendor asked for, else for a short probe wait that doubles
// while the refusals go on (never past the next window of a vendor whose
// windows follow the clock). Whenever what the pacer knows may be
// stale (before the first answer, after a window's reset, after a refusal's
// wait) the requests in flight are answered first, then one request goes
// alone until its answer tells the budget: sending every waiting request
// at once would end in refusals.
type Pacer struct {
	mu  sync.Mutex
	cfg PacerConfig
	// blockedUntil holds every request after a refusal; blockedAt is when
	// the current hold began: refusals of requests sent before it were
	// already reacted to.
	blockedUntil time.Time
	blockedAt    time.Time
	// learning is set while what the pacer knows may be stale: one
	// request goes alone until its answer tells.
	learning bool
	// inflight counts requests started and not answered yet: the budget a
	// response reports does not know of them.
	inflight int
	// peers is how many processes share the source's limit (at least 1).
	peers  int
	budget budget
	rate   rateLearner
}

// PacerConfig is what a Pacer knows of its source's rate limit before the
// first answer. The zero value learns everything from the answers.
type PacerConfig struct {
	// Limit is the rate limit the user stated for the source (the plan's
	// requests per window). A vendor that sends no budget is then paced to
	// it from the first request, as if it did. Defaults to none: the rate
	// is learned from the throttles.
	Limit RateLimit
	// AlignedWindow is the period of the vendor's fixed windows when they
	// follow each other on the clock (rack-attack's, Chatwoot's: a window
	// of a minute resets at every whole minute). After a refusal that says
	// nothing of how long to wait, the pacer probes again, but never later
	// than the next window's start. Defaults to unknown.
	AlignedWindow time.Duration
	// MaxProbeWait bounds the wait after refusals that say nothing of how
	// long to wait, when no window is known: the first probe goes after
	// 100 ms, the next after twice as long, up to this. It is what a
	// vendor's unknown window costs at most. Defaults to 5 seconds.
	MaxProbeWait time.Duration
	// NowFunc is the clock. Defaults to time.Now.
	NowFunc func() time.Time
}

// RateLimit is a number of requests allowed per window.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// IsZero reports whether no limit is set.
func (l RateLimit) IsZero() bool { return l.Requests <= 0 || l.Window <= 0 }

func (l RateLimit) String() string {
	if l.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%d/%s", l.Requests, l.Window)
}

// Pacer tunables.
const (
	// probePoll is how often a request waiting for the budget to be known
	// checks again: for about one round trip, once per window.
	probePoll = 5 * time.Millisecond
	// firstProbeWait is the wait after a first refusal that says nothing
	// of how long to wait, when no window is known.
	firstProbeWait = 100 * time.Millisecond
)

// NewPacer returns a Pacer for cfg.
func NewPacer(cfg PacerConfig) *Pacer {
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.MaxProbeWait <= 0 {
		cfg.MaxProbeWait = 5 * time.Second
	}
	p := &Pacer{cfg: cfg, peers: 1, learning: true, budget: budget{remaining: -1}}
	p.rate.init(cfg.Limit, cfg.NowFunc())
	return p
}

// Slot is a request's turn, claimed with Wait. Its answer ends it: Answered
// or Refused, or Release when no answer came.
type Slot struct {
	p *Pacer
	// at is when the slot was claimed; waited says the request had to wait
	// for it, so the pacer, not the demand, set the pace.
	at     time.Time
	waited bool
	ended  bool
}

// Release ends a slot whose request got no answer. Ending a slot twice does
// nothing, so it can be deferred.
func (s *Slot) Release() {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	s.endLocked()
}

func (s *Slot) endLocked() bool {
	if s.ended {
		return false
	}
	s.ended = true
	s.p.inflight--
	return true
}

// Answered ends a slot whose request got an answer other than a refusal,
// and learns from it: the budget its headers tell, or, from a 2xx, that the
// rate may grow.
func (s *Slot) Answered(status int, h http.Header) {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !s.endLocked() {
		return
	}
	now := p.cfg.NowFunc()
	switch {
	case p.budget.observe(h, now):
		p.learning = false
	case p.budget.seen:
		// A vendor that sends a budget, answering without one (a proxy's
		// error page): the budget is still to be learned, by a later
		// answer.
	default:
		p.learning = false
	}
	if status >= 200 && status < 300 && !s.at.Before(p.blockedAt) {
		p.rate.answered(now, s.at, s.waited)
	}
}

// Refused ends a slot whose request the vendor refused for its rate limit,
// holds every request for the wait, and returns it. vendorWait is what the
// vendor asked for (Retry-After and the like), zero when it said nothing.
// A refusal of a request sent before the pacer last reacted to one adds
// nothing: it returns what is left of the current hold.
func (s *Slot) Refused(h http.Header, vendorWait time.Duration) time.Duration {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	s.endLocked()
	now := p.cfg.NowFunc()
	p.budget.observe(h, now)
	if s.at.Before(p.blockedAt) {
		return max(p.blockedUntil.Sub(now), 0)
	}
	p.rate.refused(now, p.budget.seen)
	wait := min(vendorWait, maxVendorWait) // whichever way a vendor's wait was read
	if wait > 0 {
		wait += jitter(wait)
	} else {
		wait = p.probeWait(s.at, now)
	}
	p.blockedUntil = maxTime(p.blockedUntil, now.Add(wait))
	p.blockedAt = now
	return wait
}

// probeWait is the wait after a refusal that said nothing of how long to
// wait: a probe after 100 ms, then less and less often, but never past the
// next window of a vendor whose windows follow the clock (the window the
// refused request was sent in ended there; with a long round trip, its
// answer may come in the next). Probing rather than waiting for the window
// copes with a limit whose windows are shorter than the vendor's usual
// (a proxy's, say), and with clocks that disagree.
func (p *Pacer) probeWait(sent, now time.Time) time.Duration {
	wait := p.rate.nextProbeWait(now, p.cfg.MaxProbeWait)
	if w := p.cfg.AlignedWindow; w > 0 {
		untilNext := sent.Truncate(w).Add(w).Sub(now) + jitter(0)
		wait = min(wait, max(untilNext, probePoll))
	}
	return wait
}

// jitter spreads the processes that waited for the same instant: up to a
// tenth of the wait, and up to 50 ms more.
func jitter(wait time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(wait/10) + int64(50*time.Millisecond)))
}

// Delay tells how long a request starting now would wait for its slot,
// without claiming it.
func (p *Pacer) Delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.NowFunc()
	start, _ := p.slotLocked(now)
	return start.Sub(now)
}

// tryReserve claims a request slot if one is free now. Otherwise it claims
// nothing and returns how long to wait before asking again: slots are never
// claimed ahead, so that what is learned meanwhile (an answer telling less
// is left, a refusal) holds back every request not yet sent.
func (p *Pacer) tryReserve(waited bool) (*Slot, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.NowFunc()
	start, ok := p.slotLocked(now)
	if !ok || start.After(now) {
		return nil, start.Sub(now)
	}
	p.inflight++
	if !p.budget.seen {
		p.rate.claimed(now, p.peers)
	}
	return &Slot{p: p, at: now, waited: waited}, 0
}

// slotLocked returns when the next request may start, and whether it may
// claim that slot; false means: ask again then.
func (p *Pacer) slotLocked(now time.Time) (time.Time, bool) {
	if now.Before(p.blockedUntil) {
		return p.blockedUntil, false
	}
	if !p.blockedUntil.IsZero() {
		// The wait a refusal asked for is over: learn afresh.
		p.blockedUntil = time.Time{}
		p.learning = true
	}
	if !p.learning && p.budget.expired(now) {
		p.learning = true // the window the budget described has reset
	}
	if p.learning {
		if p.inflight > 0 {
			return now.Add(probePoll), false
		}
		return now, true
	}
	if p.budget.seen {
		return p.budget.slot(now, p.inflight, p.peers)
	}
	return p.rate.slot(now, p.peers), true
}

// SetPeers says how many processes share the source's rate limit, so that
// each plans with its share.
func (p *Pacer) SetPeers(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.peers = max(n, 1)
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
// success the caller must end the slot once the request is answered or has
// failed.
func (p *Pacer) Wait(ctx context.Context, maxWait time.Duration) (*Slot, error) {
	started := p.cfg.NowFunc()
	giveUp := started.Add(maxWait)
	for waited := false; ; waited = true {
		slot, d := p.tryReserve(waited)
		if slot != nil {
			if err := ctx.Err(); err != nil {
				slot.Release()
				return nil, err
			}
			return slot, nil
		}
		if now := p.cfg.NowFunc(); now.Add(d).After(giveUp) {
			return nil, &WaitTooLongError{Wait: max(d, now.Sub(started))}
		}
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// BlockUntil holds every request until t, as a refusal does; it never
// shortens a hold.
func (p *Pacer) BlockUntil(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blockedUntil = maxTime(p.blockedUntil, t)
	p.blockedAt = p.cfg.NowFunc()
}

// LearnedRate returns the source's rate, in requests per second over every
// process, as this process has learned it from refusals; false while it has
// learned none (no refusal yet, or the vendor sends a budget).
func (p *Pacer) LearnedRate() (float64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.budget.seen || !p.rate.learned {
		return 0, false
	}
	return p.rate.perSec * float64(p.peers), true
}

// AdoptRate starts the pacer at a rate another process learned (requests
// per second over every process), instead of probing for it from a slow
// start. It only ever lowers a rate already learned here.
func (p *Pacer) AdoptRate(perSec float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate.adopt(perSec/float64(p.peers), p.cfg.NowFunc())
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

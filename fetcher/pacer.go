package fetcher

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Pacer spaces the requests of one source (shared by all its workers in a
// process) so that they stay inside the vendor's rate limit. It learns the
// budget from X-Ratelimit-Remaining / X-Ratelimit-Reset and, once the budget
// runs low, spreads what is left evenly until the window resets. After a 429
// it holds every request until the vendor's wait is over.
type Pacer struct {
	mu           sync.Mutex
	blockedUntil time.Time
	next         time.Time // earliest start of the next request
	remaining    int       // -1 while unknown
	reset        time.Time
	// inflight counts requests started and not answered yet: the budget a
	// response reports does not know of them.
	inflight int
	// peers is how many processes share the source's budget (at least 1):
	// the server's count of what is left is theirs together.
	peers int
	// answered is set by the first response: until then the budget is
	// unknown, and requests go one at a time (see Wait).
	answered bool
	nowFunc  func() time.Time
}

// NewPacer returns a Pacer that knows nothing of the budget yet.
func NewPacer() *Pacer {
	return &Pacer{remaining: -1, peers: 1, nowFunc: time.Now}
}

// lowBudget is the number of requests left in a window below which requests
// are spread out instead of sent at once. Keeping a margin leaves room for the
// requests already in flight from other workers and processes.
const lowBudget = 20

// Delay tells how long a request starting now would wait for its slot,
// without claiming it.
func (p *Pacer) Delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.nowFunc()
	start := now
	if p.blockedUntil.After(start) {
		start = p.blockedUntil
	}
	if p.next.After(start) {
		start = p.next
	}
	if p.remaining >= 0 && p.reset.After(start) && p.remaining/p.peers-p.inflight-1 < 0 {
		start = p.reset
	}
	return start.Sub(now)
}

// Reserve claims the next request slot and returns how long to wait for it.
// The caller must call Done once the request is answered (or abandoned).
func (p *Pacer) Reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reserveLocked()
}

// tryReserve is Reserve, except while the first request is unanswered: the
// budget is unknown then, and a process that joins a pass late would
// otherwise open with a burst of every worker's requests into a window its
// peers may have spent. It reports false without claiming a slot.
func (p *Pacer) tryReserve() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.answered && p.inflight > 0 {
		return 0, false
	}
	return p.reserveLocked(), true
}

func (p *Pacer) reserveLocked() time.Duration {
	now := p.nowFunc()
	start := now
	if p.blockedUntil.After(start) {
		start = p.blockedUntil
	}
	if p.next.After(start) {
		start = p.next
	}
	var interval time.Duration
	if p.remaining >= 0 && p.reset.After(start) {
		// What is left of this process's share of the window once its
		// requests already in flight are counted, this one included.
		budget := p.remaining/p.peers - p.inflight - 1
		switch {
		case budget < 0:
			start = p.reset // the window is spent: wait for the next one
		case budget < lowBudget:
			interval = p.reset.Sub(start) / time.Duration(budget+1)
		}
	}
	p.inflight++
	p.next = start.Add(interval)
	return start.Sub(now)
}

// SetPeers says how many processes share the source's rate limit, so that
// each plans with its share of what the server says is left.
func (p *Pacer) SetPeers(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.peers = max(n, 1)
}

// Done ends a request claimed with Reserve.
func (p *Pacer) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight > 0 {
		p.inflight--
	}
}

// probePoll is how often a request waiting for the first answer checks
// again (see tryReserve): once, at start-up, for one round trip.
const probePoll = 5 * time.Millisecond

// Wait blocks until the next request may start, or ctx ends. On success the
// caller must call Done once the request is answered.
func (p *Pacer) Wait(ctx context.Context) error {
	d, ok := p.tryReserve()
	for !ok {
		timer := time.NewTimer(probePoll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		d, ok = p.tryReserve()
	}
	if d <= 0 {
		if err := ctx.Err(); err != nil {
			p.Done()
			return err
		}
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		p.Done()
		return ctx.Err()
	case <-timer.C:
		return nil
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
// Call it for every response: one without the headers leaves the budget
// unknown, but lifts the one-at-a-time start (a vendor that sends none has
// no budget to learn).
func (p *Pacer) Observe(h http.Header) {
	remaining, err1 := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	resetEpoch, err2 := strconv.ParseFloat(h.Get("X-Ratelimit-Reset"), 64)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answered = true
	if err1 != nil || err2 != nil {
		return
	}
	p.remaining = remaining
	p.reset = time.Unix(0, int64(resetEpoch*float64(time.Second)))
}

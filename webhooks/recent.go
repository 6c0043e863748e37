package webhooks

import (
	"sync"
	"time"
)

// recent remembers keys for a while, at most max of them: the deliveries
// already taken, so that a vendor's duplicate is answered without queuing.
// A duplicate it forgot costs one re-read at worst.
type recent struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	at    map[string]time.Time
	order []string // oldest first
}

func newRecent(ttl time.Duration, max int) *recent {
	return &recent{ttl: ttl, max: max, at: map[string]time.Time{}}
}

func (r *recent) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.at[key]
	return ok && time.Since(at) < r.ttl
}

func (r *recent) add(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.at[key]; !ok {
		r.order = append(r.order, key)
	}
	r.at[key] = time.Now()
	for len(r.order) > r.max || (len(r.order) > 0 && time.Since(r.at[r.order[0]]) >= r.ttl) {
		delete(r.at, r.order[0])
		r.order = r.order[1:]
	}
}

// logLimiter lets one log line a key through per period, and counts what it
// held back.
type logLimiter struct {
	mu     sync.Mutex
	period time.Duration
	last   map[string]time.Time
	held   map[string]int
}

func newLogLimiter(period time.Duration) *logLimiter {
	return &logLimiter{period: period, last: map[string]time.Time{}, held: map[string]int{}}
}

// allow reports whether key may log now, with how many were held back since
// it last did.
func (l *logLimiter) allow(key string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.last[key]) < l.period {
		l.held[key]++
		return 0, false
	}
	n := l.held[key]
	l.last[key], l.held[key] = time.Now(), 0
	return n, true
}

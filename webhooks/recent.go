package webhooks

import (
	"crypto/sha256"
	"sync"
	"time"
)

// recent remembers deliveries for a while, at most max of them: those
// already taken, so that a vendor's duplicate is answered without queuing.
// A duplicate it forgot costs one re-read at worst. It keeps a digest of
// each delivery's key, not the key: a delivery id comes from a header the
// sender chooses (up to the listeners' 64 KiB, and unsigned for Chatwoot),
// and max of those would fill the memory.
type recent struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	at    map[digest]time.Time
	order []digest // oldest first
}

// digest stands for a delivery's key (see deliveryKey).
type digest [sha256.Size]byte

// deliveryKey is the digest of a source's delivery id.
func deliveryKey(source, id string) digest {
	return sha256.Sum256([]byte(source + "\x00" + id))
}

func newRecent(ttl time.Duration, max int) *recent {
	return &recent{ttl: ttl, max: max, at: map[digest]time.Time{}}
}

func (r *recent) has(key digest) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.at[key]
	return ok && time.Since(at) < r.ttl
}

func (r *recent) add(key digest) {
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

package fakeapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Shape is how a rate limit counts requests.
type Shape int

const (
	// FixedClock counts per fixed window, the windows following each other
	// on the clock (a one-minute window resets at every whole minute), as
	// rack-attack and most fixed-window limiters do.
	FixedClock Shape = iota
	// FixedFromFirst counts per fixed window that starts at the first
	// request after the previous window ended, as in-memory limiters of
	// many Node and Laravel stacks do.
	FixedFromFirst
	// Sliding allows Requests in any Window ending now (a sliding log).
	Sliding
)

func (s Shape) String() string {
	switch s {
	case FixedClock:
		return "fixed-clock"
	case FixedFromFirst:
		return "fixed-from-first"
	case Sliding:
		return "sliding"
	}
	return "Shape(" + strconv.Itoa(int(s)) + ")"
}

// ParseShape reads a Shape's name.
func ParseShape(s string) (Shape, bool) {
	for _, shape := range []Shape{FixedClock, FixedFromFirst, Sliding} {
		if shape.String() == s {
			return shape, true
		}
	}
	return 0, false
}

// RateLimit configures a Limiter. The zero value allows everything.
type RateLimit struct {
	// Requests is how many requests one key may make per Window; zero or
	// less is no limit.
	Requests int
	// Window is the limit's period. Defaults to a minute.
	Window time.Duration
	// Shape is how requests are counted. Defaults to FixedClock.
	Shape Shape
	// NowFunc is the limiter's clock. Defaults to time.Now.
	NowFunc func() time.Time
}

// Limiter applies a RateLimit per key (a token, an API key, a client IP).
type Limiter struct {
	cfg RateLimit

	mu   sync.Mutex
	keys map[string]*keyState
}

// keyState is one key's count: the current fixed window's start and use,
// or the arrival times a sliding window holds.
type keyState struct {
	start time.Time
	used  int
	log   []time.Time
}

// NewLimiter returns a Limiter for cfg.
func NewLimiter(cfg RateLimit) *Limiter {
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return &Limiter{cfg: cfg, keys: map[string]*keyState{}}
}

// Decision is what the limiter made of one request.
type Decision struct {
	Allowed bool
	// Limit and Remaining describe the key's budget after the request;
	// Limit is zero when there is no limit.
	Limit, Remaining int
	// Reset is when the budget is whole again (a fixed window's end; for a
	// sliding window, when the oldest request it holds leaves it).
	Reset time.Time
	// RetryAfter is how long a refused request should wait.
	RetryAfter time.Duration
	// Refused numbers a Shell's refusals (1, 2, 3…, across keys); 0 when
	// the request is allowed or a bare Limiter decided.
	Refused int
}

// Admit counts a request of key and decides whether it is within the limit.
func (l *Limiter) Admit(key string) Decision {
	now := l.cfg.NowFunc()
	if l.cfg.Requests <= 0 {
		return Decision{Allowed: true, Reset: now.Truncate(l.cfg.Window).Add(l.cfg.Window)}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.keys[key]
	if st == nil {
		st = &keyState{}
		l.keys[key] = st
	}
	if l.cfg.Shape == Sliding {
		return l.admitSliding(st, now)
	}
	switch {
	case l.cfg.Shape == FixedClock && !now.Truncate(l.cfg.Window).Equal(st.start):
		st.start, st.used = now.Truncate(l.cfg.Window), 0
	case l.cfg.Shape == FixedFromFirst && !now.Before(st.start.Add(l.cfg.Window)):
		st.start, st.used = now, 0
	}
	d := Decision{Limit: l.cfg.Requests, Reset: st.start.Add(l.cfg.Window), Allowed: st.used < l.cfg.Requests}
	if d.Allowed {
		st.used++
	} else {
		d.RetryAfter = d.Reset.Sub(now)
	}
	d.Remaining = l.cfg.Requests - st.used
	return d
}

func (l *Limiter) admitSliding(st *keyState, now time.Time) Decision {
	for len(st.log) > 0 && !st.log[0].After(now.Add(-l.cfg.Window)) {
		st.log = st.log[1:]
	}
	d := Decision{Limit: l.cfg.Requests, Allowed: len(st.log) < l.cfg.Requests}
	if d.Allowed {
		st.log = append(st.log, now)
	}
	d.Remaining = l.cfg.Requests - len(st.log)
	d.Reset = st.log[0].Add(l.cfg.Window)
	if !d.Allowed {
		d.RetryAfter = d.Reset.Sub(now)
	}
	return d
}

// SetHeaders writes the decision as X-Ratelimit-Limit, -Remaining and
// -Reset (epoch seconds, rounded up so that a client waiting until then is
// never early). Without a limit they tell a budget no client will spend.
func (d Decision) SetHeaders(h http.Header) {
	limit, remaining := d.Limit, d.Remaining
	if limit == 0 {
		limit, remaining = math.MaxInt32, math.MaxInt32
	}
	h.Set("X-Ratelimit-Limit", strconv.Itoa(limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(CeilUnix(d.Reset), 10))
}

// CeilUnix is t in epoch seconds, rounded up.
func CeilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// CeilSeconds is d in whole seconds, rounded up, at least 1: a Retry-After.
func CeilSeconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

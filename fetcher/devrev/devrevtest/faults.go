package devrevtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authenticate returns the request's bearer token and whether it is accepted.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		token = ""
	}
	token = strings.TrimSpace(token)
	return token, s.opts.Token == "" || token == s.opts.Token
}

// rateWindow is one token's use of the current fixed window.
type rateWindow struct {
	start time.Time
	used  int
}

// admit applies the per-token rate limit and sets the X-Ratelimit-* headers
// that every response carries. Requests that fail authentication are not
// counted against the window, but still see its headers. It writes the 429
// and returns false when the request is over the limit.
func (s *Server) admit(w http.ResponseWriter, token string, authed bool) bool {
	if s.opts.RateLimit <= 0 {
		return true
	}
	now := s.opts.NowFunc()
	start := now.Truncate(s.opts.RateWindow)
	s.mu.Lock()
	win := s.windows[token]
	if win == nil || !win.start.Equal(start) {
		win = &rateWindow{start: start}
		s.windows[token] = win
	}
	reset := start.Add(s.opts.RateWindow)
	allowed := !authed || win.used < s.opts.RateLimit
	if authed && allowed {
		win.used++
	}
	remaining := max(0, s.opts.RateLimit-win.used)
	if !allowed {
		s.stats.RateLimited++
	}
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-Ratelimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(epochCeil(reset), 10))
	if allowed {
		return true
	}
	retry := max(1, ceilSeconds(reset.Sub(now)))
	h.Set("Retry-After", strconv.FormatInt(retry, 10))
	writeError(w, http.StatusTooManyRequests, apiError{
		Type:       "too_many_requests",
		Message:    fmt.Sprintf("rate limit of %d requests per %s exceeded", s.opts.RateLimit, s.opts.RateWindow),
		RetryAfter: retry,
	})
	return false
}

func ceilSeconds(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}

// epochCeil is t in epoch seconds, rounded up so that a client waiting until
// then is never early.
func epochCeil(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// fail injects a transient server error with probability FailureRate,
// alternating 500 and 503 so that clients prove they retry both.
func (s *Server) fail(w http.ResponseWriter) bool {
	if s.opts.FailureRate <= 0 {
		return false
	}
	s.mu.Lock()
	hit := s.rng.Float64() < s.opts.FailureRate
	var seq int
	if hit {
		s.errSeq++
		seq = s.errSeq
		s.stats.Failures++
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	if seq%2 == 1 {
		writeError(w, http.StatusInternalServerError, apiError{
			Type:        "internal_error",
			Message:     "an internal error occurred",
			ReferenceID: fmt.Sprintf("devrevtest-%08x", mix(uint64(seq)^uint64(s.opts.Seed))&0xffffffff),
		})
		return true
	}
	writeError(w, http.StatusServiceUnavailable, apiError{Type: "service_unavailable", Message: "service temporarily unavailable"})
	return true
}

// delay waits Options.Latency, or less if the client gives up. It reports
// whether to go on.
func (s *Server) delay(r *http.Request) bool {
	if s.opts.Latency <= 0 {
		return true
	}
	t := time.NewTimer(s.opts.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// emptyPage decides whether to serve a list page empty (keeping its cursor
// position). Only pages with matches left qualify, so an empty page is never
// the last; the decision hashes the cursor, so retries see the same page.
func (s *Server) emptyPage(pg page, cur cursor) bool {
	if s.opts.EmptyPageRate <= 0 || cur.Before || len(pg.idx) == 0 || cur.Empties >= 3 {
		return false
	}
	return unit(uint64(s.opts.Seed), cur.encode()) < s.opts.EmptyPageRate
}

// unit hashes (seed, s) to a float in [0, 1).
func unit(seed uint64, s string) float64 {
	h := seed ^ 0xcbf29ce484222325
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001b3
	}
	return float64(mix(h)>>11) / (1 << 53)
}

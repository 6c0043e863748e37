package devrevtest

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// authenticate returns the request's bearer token and whether it is accepted.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	token := fakeapi.BearerToken(r)
	return token, fakeapi.Accepts(s.opts.Token, token)
}

// admit applies the per-token rate limit and sets the X-Ratelimit-* headers
// that every response carries, limited or not. Requests that fail
// authentication are not counted against the limit, but still see its
// headers. It writes the 429 and returns false when the request is over
// the limit.
func (s *Server) admit(w http.ResponseWriter, token string, authed bool) bool {
	key := token
	if !authed {
		key = "\x00unauthenticated"
	}
	d := s.Admit(key)
	d.SetHeaders(w.Header())
	if d.Allowed || !authed {
		return true
	}
	retry := fakeapi.CeilSeconds(d.RetryAfter)
	w.Header().Set("Retry-After", strconv.FormatInt(retry, 10))
	writeError(w, http.StatusTooManyRequests, apiError{
		Type:       "too_many_requests",
		Message:    fmt.Sprintf("rate limit of %d requests per %s exceeded", s.opts.RateLimit, s.opts.RateWindow),
		RetryAfter: retry,
	})
	return false
}

// fail injects a transient server error with probability FailureRate,
// alternating 500 and 503 so that clients prove they retry both.
func (s *Server) fail(w http.ResponseWriter) bool {
	return s.Fail(w, s.internalError, serviceUnavailable)
}

func (s *Server) internalError(w http.ResponseWriter, seq int) {
	writeError(w, http.StatusInternalServerError, apiError{
		Type:        "internal_error",
		Message:     "an internal error occurred",
		ReferenceID: fmt.Sprintf("devrevtest-%08x", fakeapi.Mix(uint64(seq)^uint64(s.opts.Seed))&0xffffffff),
	})
}

func serviceUnavailable(w http.ResponseWriter, _ int) {
	writeError(w, http.StatusServiceUnavailable, apiError{Type: "service_unavailable", Message: "service temporarily unavailable"})
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
	return float64(fakeapi.Mix(fakeapi.Hash(seed, s))>>11) / (1 << 53)
}

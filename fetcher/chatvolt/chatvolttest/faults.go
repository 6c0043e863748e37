package chatvolttest

import (
	"net/http"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// statusLaravelRateLimited is the non-standard status ("Page Expired" in
// Laravel) that Chatvolt is reported to answer instead of 429 at times.
const statusLaravelRateLimited = 419

// authenticate returns the request's API key and whether it is accepted.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	key := fakeapi.BearerToken(r)
	return key, fakeapi.Accepts(s.opts.APIKey, key)
}

// admit applies the per-key rate limit. Over the limit it writes 429 or
// 419, alternately, without Retry-After (the real API sends none; the
// provider notes advise waiting 60 s), and returns false. Rate headers are
// sent only with Options.RateHeaders: Chatvolt has never been seen sending
// them.
func (s *Server) admit(w http.ResponseWriter, key string) bool {
	d := s.Admit(key)
	if s.opts.RateHeaders {
		d.SetHeaders(w.Header())
	}
	if d.Allowed {
		return true
	}
	status := http.StatusTooManyRequests
	if d.Refused%2 == 0 {
		status = statusLaravelRateLimited
	}
	writeError(w, status, "Too many requests")
	return false
}

// fail injects a transient server error with probability FailureRate,
// alternating 500 and 503 so that clients prove they retry both.
func (s *Server) fail(w http.ResponseWriter) bool {
	return s.Fail(w,
		func(w http.ResponseWriter, _ int) {
			writeError(w, http.StatusInternalServerError, "Internal server error")
		},
		func(w http.ResponseWriter, _ int) {
			writeError(w, http.StatusServiceUnavailable, "Service unavailable")
		},
	)
}

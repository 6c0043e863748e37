package fakeapi

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Faults are the limits and faults every fake API puts on its answers the
// same way; what a refusal or a failure looks like on the wire is the
// vendor's, and its fake's Options say it. The zero value is a well-behaved
// API without a limit.
type Faults struct {
	// RateLimit is how many requests one key (a token, an API key, a
	// client) may make per RateWindow; over it, requests are refused.
	// Defaults to 0: no limit.
	RateLimit int
	// RateWindow is the rate-limit window; each vendor's fake has its own
	// default.
	RateWindow time.Duration
	// RateShape is how the limit counts. Defaults to FixedClock.
	RateShape Shape
	// NowFunc is the rate limiter's clock (the data's own clock is the
	// workspace's). Defaults to time.Now; tests set it to land requests in
	// a window of their choosing.
	NowFunc func() time.Time
	// FailureRate is the probability that a request fails with a
	// transient error (see Shell.Failure). Defaults to 0.
	FailureRate float64
	// Latency is added to every response. Defaults to 0.
	Latency time.Duration
}

// ShellOptions are what a Shell takes: the faults, and the seed that makes
// their injection deterministic.
type ShellOptions struct {
	Seed int64
	Faults
}

// Stats counts the requests a fake API received.
type Stats struct {
	// Requests counts every request by route ("unknown" for other paths),
	// including the ones that were refused.
	Requests map[string]int
	// RateLimited counts the requests refused for the rate limit.
	RateLimited int
	// Failures counts injected transient failures.
	Failures int
	// Total counts all requests.
	Total int
}

// Shell is what every fake vendor API shares: a loopback server, request
// counters, latency, transient failures and a rate limit. A vendor's fake
// embeds it and keeps only its wire format and data model.
type Shell struct {
	opts    ShellOptions
	limiter *Limiter
	handler http.Handler
	ts      *httptest.Server

	mu         sync.Mutex // guards the fields below
	stats      Stats
	rng        *rand.Rand
	failSeq    int
	refusedSeq int      // unlike stats, ResetStats leaves it
	cleanups   []func() // run by Close, last first
}

// NewShell returns a shell; Serve starts it.
func NewShell(opts ShellOptions) *Shell {
	return &Shell{
		opts:    opts,
		limiter: NewLimiter(RateLimit{Requests: opts.RateLimit, Window: opts.RateWindow, Shape: opts.RateShape, NowFunc: opts.NowFunc}),
		stats:   Stats{Requests: map[string]int{}},
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0xfa17)),
	}
}

// Serve starts serving h on a loopback httptest server.
func (s *Shell) Serve(h http.Handler) {
	s.handler = h
	s.ts = httptest.NewServer(h)
}

// URL is the base URL of the loopback server, without a trailing slash.
func (s *Shell) URL() string { return s.ts.URL }

// Cleanup registers f to run when the shell closes, before the loopback
// server stops; the last registered runs first, as with testing.T.Cleanup.
// A vendor's server registers there what it started besides the shell (its
// webhooks), so that the Close it takes from the shell stops all of it.
func (s *Shell) Cleanup(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanups = append(s.cleanups, f)
}

// Close runs the cleanups, then stops the loopback server, waiting for
// requests in flight. Closing again only stops the server again.
func (s *Shell) Close() {
	s.mu.Lock()
	cleanups := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	s.ts.Close()
}

// Handler serves the API, so that it can also run on another listener. It
// shares stats and limits with URL.
func (s *Shell) Handler() http.Handler { return s.handler }

// Stats returns a copy of the request counters.
func (s *Shell) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	return st
}

// ResetStats zeroes the request counters (not the rate-limit windows).
func (s *Shell) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Requests: map[string]int{}}
}

// Arrive is what every request goes through first, whatever the vendor: it
// is counted under its route (refused ones too), then waits the latency. It
// reports whether to go on: false when the client gave up meanwhile.
func (s *Shell) Arrive(route string, r *http.Request) bool {
	s.count(route)
	return s.delay(r)
}

// count counts a request of route.
func (s *Shell) count(route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Total++
	s.stats.Requests[route]++
}

// Admit applies the rate limit to a request of key, counting a refusal. A
// refusal's Decision carries its sequence number (Refused), from which the
// vendor's fake may pick one of its kinds of refusal.
func (s *Shell) Admit(key string) Decision {
	d := s.limiter.Admit(key)
	if !d.Allowed {
		s.mu.Lock()
		s.stats.RateLimited++
		s.refusedSeq++
		d.Refused = s.refusedSeq
		s.mu.Unlock()
	}
	return d
}

// Failure decides whether to fail a request with a transient error, and
// returns its sequence number (1, 2, 3…), from which the vendor's fake
// picks one of its kinds of failure; 0 when the request goes through.
func (s *Shell) Failure() int {
	if s.opts.FailureRate <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng.Float64() >= s.opts.FailureRate {
		return 0
	}
	s.failSeq++
	s.stats.Failures++
	return s.failSeq
}

// delay waits the latency, or less if the client gives up; it reports
// whether to go on.
func (s *Shell) delay(r *http.Request) bool {
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

// WriteJSON marshals v before writing, so that Content-Length is set and a
// marshalling bug cannot produce half a body: it answers 500 instead.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"the fake API cannot encode its answer"}`)
	}
	WriteBody(w, status, contentType, body)
}

// WriteBody writes a whole answer with its Content-Type and Content-Length.
func WriteBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

package chatvolttest

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/syncerhq/syncer/internal/fakeapi"
)

// PagingMode is how GET /conversation pages. Chatvolt does not document it,
// so a client must cope with both.
type PagingMode int

const (
	// PagingCursor honours "limit" (1 to 100, default 20) and "cursor", and
	// answers {"conversations":[…],"nextCursor":"…"|null}, ordered by
	// createdAt descending, then id ascending. The cursor is opaque, valid
	// only with the filters it was issued for, and a keyset position: inserts
	// and deletions between pages shift nothing.
	PagingCursor PagingMode = iota
	// PagingPlainArray answers a plain JSON array of the newest conversations
	// (same order), silently capped at Options.MaxListItems. "limit" and
	// "cursor" are ignored; only the filters narrow the answer, so a client
	// must walk createdAt/endDate windows to see everything.
	PagingPlainArray
)

func (m PagingMode) String() string {
	switch m {
	case PagingCursor:
		return "cursor"
	case PagingPlainArray:
		return "plain-array"
	}
	return "PagingMode(" + strconv.Itoa(int(m)) + ")"
}

// Paging limits of the cursor dialect, and of the messages endpoint.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// MaxMessages is the largest {count} GET /conversation/{id}/messages/{count}
	// accepts; above it is 400.
	MaxMessages = 500
)

// Options configures a Server's behaviour: auth, paging dialect and the
// faults real Chatvolt is reported to exhibit. The zero value is a
// well-behaved cursor-paging API that accepts any key.
type Options struct {
	// APIKey is the key clients must send as "Authorization: Bearer <key>"; a
	// missing or different one gets 401 {"error":"Unauthorized"}. Defaults to
	// "", which accepts any request.
	APIKey string
	// Seed makes fault injection deterministic. Defaults to 0.
	Seed int64
	// Paging selects how GET /conversation pages. Defaults to PagingCursor.
	Paging PagingMode
	// MaxListItems caps a PagingPlainArray answer. Defaults to 50.
	MaxListItems int
	// RateLimit is how many requests one API key may make per RateWindow. Over
	// it, requests are refused alternately with 429 and 419 (the status
	// Laravel-style stacks use), body {"error":"Too many requests"}, and no
	// Retry-After header. Defaults to 0: no limit.
	RateLimit int
	// RateWindow is the rate-limit window. Defaults to 60 seconds.
	RateWindow time.Duration
	// RateShape is how the limit counts. Defaults to fakeapi.FixedClock;
	// Chatvolt's own is unknown, so tests and the benchmark try others.
	RateShape fakeapi.Shape
	// RateHeaders makes every answer carry X-Ratelimit-Limit, -Remaining
	// and -Reset. Defaults to false, as Chatvolt has been seen.
	RateHeaders bool
	// FailureRate is the probability of a transient failure, alternately 500
	// and 503. Defaults to 0.
	FailureRate float64
	// Latency is added to every response. Defaults to 0.
	Latency time.Duration
}

// Stats counts requests a Server received.
type Stats struct {
	// Requests counts every request by route ("conversation.list",
	// "conversation.get", "conversation.messages", "messages.get"; "unknown"
	// for other paths), including the ones that were refused.
	Requests map[string]int
	// RateLimited counts 429 and 419 responses.
	RateLimited int
	// Failures counts injected 500 and 503 responses.
	Failures int
	// Total counts all requests.
	Total int
}

// Server serves a Workspace over the Chatvolt REST API.
type Server struct {
	ws      *Workspace
	opts    Options
	handler http.Handler
	ts      *httptest.Server

	mu         sync.Mutex // guards the fields below
	stats      Stats
	limiter    *fakeapi.Limiter
	rng        *rand.Rand
	limitedSeq int
	failSeq    int
}

// NewServer serves w on a loopback httptest server.
func NewServer(w *Workspace, opts Options) *Server {
	if opts.MaxListItems <= 0 {
		opts.MaxListItems = 50
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	s := &Server{
		ws:      w,
		opts:    opts,
		stats:   Stats{Requests: map[string]int{}},
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0xfa17)),
		limiter: fakeapi.NewLimiter(fakeapi.RateLimit{Requests: opts.RateLimit, Window: opts.RateWindow, Shape: opts.RateShape}),
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	s.ts = httptest.NewServer(s.handler)
	return s
}

// URL is the base URL of the loopback server, without a trailing slash.
func (s *Server) URL() string { return s.ts.URL }

// Close stops the loopback server, waiting for requests in flight.
func (s *Server) Close() { s.ts.Close() }

// Handler serves the API, so that it can also run on another listener. It
// shares stats and rate limits with URL.
func (s *Server) Handler() http.Handler { return s.handler }

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	return st
}

// ResetStats zeroes the request counters (not the rate-limit windows).
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Requests: map[string]int{}}
}

// Route names, as Stats reports them.
const (
	routeList     = "conversation.list"
	routeGet      = "conversation.get"
	routeMessages = "conversation.messages"
	routeMessage  = "messages.get"
	routeUnknown  = "unknown"
)

// route is a matched request: its name, handler and path parameters.
type route struct {
	name  string
	serve func(http.ResponseWriter, *http.Request, []string)
	args  []string
}

func (s *Server) route(path string) (route, bool) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	for _, p := range seg {
		if p == "" && len(seg) > 1 {
			return route{name: routeUnknown}, false
		}
	}
	switch {
	case len(seg) == 1 && seg[0] == "conversation":
		return route{routeList, s.listConversations, nil}, true
	case len(seg) == 2 && seg[0] == "conversation":
		return route{routeGet, s.getConversation, seg[1:]}, true
	case len(seg) == 4 && seg[0] == "conversation" && seg[2] == "messages":
		return route{routeMessages, s.conversationMessages, []string{seg[1], seg[3]}}, true
	case len(seg) == 2 && seg[0] == "messages":
		return route{routeMessage, s.getMessage, seg[1:]}, true
	}
	return route{name: routeUnknown}, false
}

// serveHTTP applies, in order: latency, auth, rate limit, routing and fault
// injection, then the endpoint. Auth comes before the rate limit because the
// limit is per key.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt, found := s.route(r.URL.Path)
	s.count(rt.name)
	if !s.delay(r) {
		return
	}
	key, ok := s.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if !s.admit(w, key) {
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if s.fail(w) {
		return
	}
	rt.serve(w, r, rt.args)
}

func (s *Server) count(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Total++
	s.stats.Requests[name]++
}

// apiError is the body of every non-2xx response.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// writeJSON marshals before writing so that Content-Length is set and a
// marshalling bug cannot produce half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"chatvolttest: cannot encode response"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

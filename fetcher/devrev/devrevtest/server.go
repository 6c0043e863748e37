package devrevtest

import (
	"net/http"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Options configures a Server's behaviour: auth, paging limits and the faults
// real DevRev exhibits. The zero value is a well-behaved API that accepts any
// token.
type Options struct {
	// Token is the API token clients must send as "Authorization: Bearer
	// <token>"; a missing or different one gets 401 unauthenticated. Defaults
	// to "" which accepts any request.
	Token string
	// Seed makes list order and fault injection deterministic. Defaults to 0.
	Seed int64
	// MaxLimit is the largest accepted "limit"; above it is 400 bad_request.
	// Defaults to 100.
	MaxLimit int
	// DefaultLimit is the page size when "limit" is absent. Defaults to 50.
	DefaultLimit int
	// EmptyPageRate is the probability that a list page which is not the last
	// is served empty, with a next_cursor, as the real API sometimes does.
	// Decided by a hash of the cursor, so a page's fate is reproducible; at
	// most 3 empty pages come in a row. Defaults to 0.
	EmptyPageRate float64
	// Faults are the rate limit, failures and latency. The limit is per
	// token; over it is 429 too_many_requests with Retry-After, and every
	// answer carries X-Ratelimit-Limit, -Remaining and -Reset. Windows
	// follow each other on the clock (a 5-minute window resets at :00, :05,
	// …), as with the fixed-window limiters most APIs run, so
	// X-Ratelimit-Reset, in whole epoch seconds, is exact; RateWindow
	// defaults to 5 minutes, like real DevRev. Failures are alternately 500
	// internal_error and 503 service_unavailable.
	fakeapi.Faults

	// Webhooks are sent only to endpoints registered with webhooks.create or
	// AddWebhook; the options below shape their delivery. Each delivery has
	// 3 seconds to be answered with a 2xx.

	// WebhookMaxDelay bounds a random delay before each delivery, so that
	// deliveries arrive out of order, as DevRev's concurrent ones do.
	// Defaults to 0: sent at once.
	WebhookMaxDelay time.Duration
	// WebhookDuplicateRate is the probability that a delivery is sent
	// twice. Defaults to 0.
	WebhookDuplicateRate float64
	// WebhookRetryDelays is the retry schedule of a failed delivery; an
	// empty, non-nil slice means no retry. Defaults to nil: DevRev's, a
	// retry at once, after 30 seconds and after 3 minutes.
	WebhookRetryDelays []time.Duration
}

// Stats counts requests a Server received, by endpoint
// ("conversations.list", …; "unknown" for other paths). RateLimited counts
// 429s, Failures injected 500s and 503s.
type Stats = fakeapi.Stats

// Server serves a Workspace over the DevRev REST API, and sends its changes
// to the webhooks registered with it.
// Close stops both.
type Server struct {
	*fakeapi.Shell
	ws    *Workspace
	opts  Options
	order *orderIndex
	hooks *fakeapi.WebhookDispatcher
}

// NewServer serves w on a loopback httptest server.
func NewServer(w *Workspace, opts Options) *Server {
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 100
	}
	if opts.DefaultLimit <= 0 {
		opts.DefaultLimit = min(50, opts.MaxLimit)
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = 5 * time.Minute
	}
	s := &Server{Shell: fakeapi.NewShell(opts.shell()), ws: w, opts: opts, hooks: fakeapi.NewWebhookDispatcher(opts.webhooks())}
	w.mu.Lock()
	s.order = w.order(opts.Seed)
	w.mu.Unlock()
	// Close, the shell's, stops listening to the workspace, then abandons
	// the webhook deliveries still pending (retries included) and waits for
	// their goroutines, then closes the loopback server.
	s.Cleanup(s.hooks.Close)
	s.Cleanup(w.feed.Subscribe(s.publish))
	s.Serve(http.HandlerFunc(s.serveHTTP))
	return s
}

// shell is what the kit's Shell takes of the options.
func (o Options) shell() fakeapi.ShellOptions {
	return fakeapi.ShellOptions{Seed: o.Seed, Faults: o.Faults}
}

// route is an endpoint; its path is "/" and its name.
type route struct {
	name     string
	postOnly bool // mutations; reads accept GET and POST
	serve    func(http.ResponseWriter, *http.Request)
}

func (s *Server) route(path string) (route, bool) {
	for _, rt := range []route{
		{"conversations.list", false, s.listConversations},
		{"conversations.get", false, s.getConversation},
		{"timeline-entries.list", false, s.listTimelineEntries},
		{"chats.get", false, s.getChat},
		{"sla-trackers.get", false, s.getSLATracker},
		{"conversations.create", true, s.createConversation},
		{"conversations.delete", true, s.deleteConversation},
		{"webhooks.create", true, s.createWebhook},
		{"webhooks.list", false, s.listWebhooks},
	} {
		if path == "/"+rt.name {
			return rt, true
		}
	}
	return route{name: "unknown"}, false
}

// serveHTTP applies, in order: latency, auth, rate limit, routing and fault
// injection, then the endpoint. Auth comes before the rate limit because the
// limit is per token.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt, found := s.route(r.URL.Path)
	if !s.Arrive(rt.name, r) {
		return
	}
	token, authed := s.authenticate(r)
	if !s.admit(w, token, authed) {
		return
	}
	if !authed {
		writeError(w, http.StatusUnauthorized, apiError{Type: "unauthenticated", Message: "missing or invalid bearer token"})
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, apiError{Type: "not_found", Message: "no such endpoint: " + r.URL.Path})
		return
	}
	if r.Method != http.MethodPost && (rt.postOnly || r.Method != http.MethodGet) {
		allow := "GET, POST"
		if rt.postOnly {
			allow = "POST"
		}
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, apiError{Type: "bad_request", Message: r.Method + " is not allowed on " + rt.name})
		return
	}
	if s.fail(w) {
		return
	}
	rt.serve(w, r)
}

// apiError is the error body of every non-2xx response (error-base and its
// subtypes in the spec).
type apiError struct {
	Type        string `json:"type"`
	Message     string `json:"message,omitempty"`
	Detail      string `json:"detail,omitempty"`
	RetryAfter  int64  `json:"retry_after,omitempty"`
	ReferenceID string `json:"reference_id,omitempty"`
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	writeJSON(w, status, e)
}

func badRequest(w http.ResponseWriter, err error) {
	writeError(w, http.StatusBadRequest, apiError{Type: "bad_request", Message: err.Error()})
}

func notFound(w http.ResponseWriter, what, id string) {
	writeError(w, http.StatusNotFound, apiError{Type: "not_found", Message: what + " " + id + " not found"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakeapi.WriteJSON(w, status, "application/json", v)
}

package chatvolttest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
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
	// PagingPlainArray answers a plain JSON array of the first conversations
	// in Options.ListOrder (by default the newest, in the same order),
	// silently capped at Options.MaxListItems. "limit" and "cursor" are
	// ignored; only the filters narrow the answer, so a client must walk
	// createdAt/endDate windows to see everything.
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

// ListOrder is the order of a PagingPlainArray answer, and so which
// conversations its cap keeps. Chatvolt does not document it; a client that
// walks date windows must notice an order it cannot walk rather than list a
// fraction of the account.
type ListOrder int

const (
	// OrderNewestFirst is createdAt descending, then id ascending: the cap
	// keeps the newest matches.
	OrderNewestFirst ListOrder = iota
	// OrderOldestFirst is createdAt ascending, then id descending: the cap
	// keeps the oldest matches.
	OrderOldestFirst
	// OrderRecentlyUpdated is updatedAt descending, then createdAt
	// descending, then id ascending: the cap keeps the matches last updated.
	OrderRecentlyUpdated
)

func (o ListOrder) String() string {
	switch o {
	case OrderNewestFirst:
		return "newest-first"
	case OrderOldestFirst:
		return "oldest-first"
	case OrderRecentlyUpdated:
		return "recently-updated"
	}
	return "ListOrder(" + strconv.Itoa(int(o)) + ")"
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
	// ListOrder orders a PagingPlainArray answer before the cap. Defaults
	// to OrderNewestFirst; the cursor dialect always pages newest first.
	ListOrder ListOrder
	// Faults are the rate limit, failures and latency. The limit is per API
	// key; over it, requests are refused alternately with 429 and 419 (the
	// status Laravel-style stacks use), body {"error":"Too many requests"},
	// and no Retry-After header. RateWindow defaults to 60 seconds;
	// Chatvolt's RateShape is unknown, so tests and the benchmark try others
	// than the default. Failures are alternately 500 and 503.
	fakeapi.Faults
	// RateHeaders makes every answer carry X-Ratelimit-Limit, -Remaining
	// and -Reset. Defaults to false, as Chatvolt has been seen.
	RateHeaders bool
}

// Stats counts requests a Server received, by route ("conversation.list",
// "conversation.get", "conversation.messages", "messages.get"; "unknown" for
// other paths). RateLimited counts 429s and 419s, Failures injected 500s and
// 503s.
type Stats = fakeapi.Stats

// Server serves a Workspace over the Chatvolt REST API.
type Server struct {
	*fakeapi.Shell
	ws   *Workspace
	opts Options
}

// NewServer serves w on a loopback httptest server.
func NewServer(w *Workspace, opts Options) *Server {
	if opts.MaxListItems <= 0 {
		opts.MaxListItems = 50
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	s := &Server{Shell: fakeapi.NewShell(opts.shell()), ws: w, opts: opts}
	s.Serve(http.HandlerFunc(s.serveHTTP))
	return s
}

// shell is what the kit's Shell takes of the options.
func (o Options) shell() fakeapi.ShellOptions {
	return fakeapi.ShellOptions{Seed: o.Seed, Faults: o.Faults}
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
	if !s.Arrive(rt.name, r) {
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

// apiError is the body of every non-2xx response.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakeapi.WriteJSON(w, status, "application/json; charset=utf-8", v)
}

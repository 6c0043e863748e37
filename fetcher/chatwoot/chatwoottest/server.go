package chatwoottest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Options configures a Server's behaviour: auth and the faults real Chatwoot
// exhibits. The zero value is a well-behaved API that accepts any token, with
// the public client API disabled.
type Options struct {
	// Token is the value clients must send in the api_access_token header; a
	// missing or different one gets 401. It belongs to agent 1, an
	// administrator, who sees every conversation ("mine" counts are its
	// assignments). Defaults to "", which accepts any request.
	Token string
	// Seed makes fault injection deterministic. Defaults to 0.
	Seed int64
	// Faults are the rate limit, failures and latency. The limit is per
	// client (one api_access_token value; the public API shares the empty
	// one); over it is 429 with Content-Type text/plain, body "Retry
	// later\n" and no Retry-After header, as rack-attack answers. Every
	// request counts, the refused ones too. Windows are aligned to the wall
	// clock (multiples of the period since the Unix epoch), like
	// rack-attack's period buckets (FixedClock, the default), so a client
	// that waits for the next window start is admitted again; RateWindow
	// defaults to 1 minute. Failures are in turn 500 {"error":"Internal
	// Server Error"}, 502 (an nginx HTML page) and 503 (HTML).
	fakeapi.Faults
	// RateHeaders makes every answer carry X-Ratelimit-Limit, -Remaining
	// and -Reset, as a deployment configured to send them would. Defaults
	// to false, Chatwoot's default.
	RateHeaders bool
	// InboxIdentifier and ContactIdentifier enable the public client API for
	// one contact: requests naming other identifiers get 404. Take them from
	// Workspace.PublicIdentifiers. Defaults to "": public API disabled.
	InboxIdentifier, ContactIdentifier string
	// ConversationsPerPage is a self-hosted deployment's
	// CONVERSATION_RESULTS_PER_PAGE: ConversationFinder pages the list with
	// .per(ENV.fetch('CONVERSATION_RESULTS_PER_PAGE', '25')). Defaults to 0,
	// which (like anything below 1) serves Chatwoot's default of 25.
	ConversationsPerPage int
	// MessagesIgnoreAfter serves messages as Chatwoot did before
	// MessageFinder learnt after= (2022): after= is ignored, alone or next
	// to before=, so every answer is the latest 20 messages, or with
	// before=<id> the latest 20 below it, ascending. Defaults to false:
	// today's MessageFinder.
	MessagesIgnoreAfter bool

	// Webhooks are sent only to account webhooks registered through the
	// webhooks API or AddWebhook; the options below shape their delivery.
	// Each delivery has 5 seconds to be answered with a 2xx.

	// WebhookMaxDelay bounds a random delay before each delivery, so that
	// deliveries arrive out of order, as Sidekiq's concurrent jobs do.
	// Defaults to 0: sent at once.
	WebhookMaxDelay time.Duration
	// WebhookDuplicateRate is the probability that a delivery is sent
	// twice. Defaults to 0.
	WebhookDuplicateRate float64
	// WebhookRetryDelays is a retry schedule for failed deliveries, which
	// Chatwoot does not have. Defaults to nil: Chatwoot's, no retry.
	WebhookRetryDelays []time.Duration
	// WebhookUnsigned makes the fake behave like Chatwoot before 4.12:
	// webhooks have no secret, and deliveries carry no X-Chatwoot-Timestamp
	// or X-Chatwoot-Signature. Defaults to false: signed, as 4.12+.
	WebhookUnsigned bool
}

// Stats counts requests a Server received, by route ("conversations.list",
// "conversations.get", "conversations.messages", "contacts.list",
// "agents.list", "public.conversations", "public.messages",
// "webhooks.list", "webhooks.create"; "unknown" for other paths).
// RateLimited counts 429s, Failures injected 500s, 502s and 503s.
type Stats = fakeapi.Stats

// Server serves a Workspace over Chatwoot's Application API and public client
// API, and sends its changes to the account webhooks registered with it.
// Close stops both.
type Server struct {
	*fakeapi.Shell
	ws    *Workspace
	opts  Options
	hooks *fakeapi.WebhookDispatcher
}

// NewServer serves w on a loopback httptest server.
func NewServer(w *Workspace, opts Options) *Server {
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	s := &Server{Shell: fakeapi.NewShell(opts.shell()), ws: w, opts: opts, hooks: fakeapi.NewWebhookDispatcher(opts.webhooks())}
	// Close, the shell's, stops listening to the workspace, then abandons
	// the webhook deliveries still pending (retries included) and waits for
	// their goroutines, then closes the loopback server.
	s.Cleanup(s.hooks.Close)
	s.Cleanup(w.feed.Subscribe(s.publish))
	const account = "/api/v1/accounts/{account_id}"
	const public = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations"
	mux := http.NewServeMux()
	mux.Handle("GET "+account+"/conversations", s.route("conversations.list", true, s.listConversations))
	mux.Handle("GET "+account+"/conversations/{conversation_id}", s.route("conversations.get", true, s.getConversation))
	mux.Handle("GET "+account+"/conversations/{conversation_id}/messages", s.route("conversations.messages", true, s.listMessages))
	mux.Handle("GET "+account+"/contacts", s.route("contacts.list", true, s.listContacts))
	mux.Handle("GET "+account+"/agents", s.route("agents.list", true, s.listAgents))
	mux.Handle("GET "+account+"/webhooks", s.route("webhooks.list", true, s.listWebhooks))
	mux.Handle("POST "+account+"/webhooks", s.route("webhooks.create", true, s.createWebhook))
	mux.Handle("GET "+public, s.route("public.conversations", false, s.publicConversations))
	mux.Handle("GET "+public+"/{conversation_id}/messages", s.route("public.messages", false, s.publicMessages))
	mux.Handle("/", s.route("unknown", false, func(w http.ResponseWriter, _ *http.Request) { notFound(w) }))
	s.Serve(mux)
	return s
}

// shell is what the kit's Shell takes of the options.
func (o Options) shell() fakeapi.ShellOptions {
	return fakeapi.ShellOptions{Seed: o.Seed, Faults: o.Faults}
}

// route wraps an endpoint in what every request goes through, in the order a
// real deployment applies it: latency, the rate limit (rack-attack runs
// before the application, so unauthenticated requests count too), injected
// failures, then authentication for the Application API.
func (s *Server) route(name string, auth bool, serve func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Arrive(name, r) || !s.admit(w, r) || s.fail(w) {
			return
		}
		if auth && !s.authenticate(r) {
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: "You need to sign in or sign up before continuing."})
			return
		}
		serve(w, r)
	})
}

// errorBody is Chatwoot's {"error": …} error shape.
type errorBody struct {
	Error string `json:"error"`
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, errorBody{Error: "Resource could not be found"})
}

// account checks the path's account id; a foreign or malformed one is 404.
func (s *Server) account(w http.ResponseWriter, r *http.Request) bool {
	id, err := strconv.Atoi(r.PathValue("account_id"))
	if err != nil || id != s.ws.accountID {
		notFound(w)
		return false
	}
	return true
}

// writeJSON marshals before writing so that Content-Length is set and a
// marshalling bug cannot produce half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	fakeapi.WriteJSON(w, status, "application/json; charset=utf-8", v)
}

// rubyInt is Ruby's String#to_i: an optional sign and the leading digits;
// anything else is 0.
func rubyInt(s string) int {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(s[:j])
	if err != nil {
		return 0
	}
	return n
}

// pageParam is Kaminari's page: the number, or 1 when absent or not positive.
func pageParam(s string) int {
	if n := rubyInt(s); n > 0 {
		return n
	}
	return 1
}

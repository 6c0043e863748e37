package fetcher

import (
	"net/url"
	"strings"
	"sync"
	"time"
)

// Reach tracks whether a source's API answers at all. Any HTTP answer, an
// error status or a rate limit included, counts as reachable; a request that
// got none (connection refused, DNS, TLS, timeout) counts against. It is
// what tells an operator within seconds that syncer cannot reach the API,
// instead of a pass that silently retries for minutes.
type Reach struct {
	// URL is the API origin, as operators configured it. Its user info (a
	// proxy's basic auth, say) is left out of every state it shows.
	URL string
	// OnChange, when set, hears each change between reachable and not, for
	// the log. It runs with the state after the change.
	OnChange func(ReachState)

	mu    sync.Mutex
	state ReachState
}

// ReachState is a source's reachability at one moment.
type ReachState struct {
	URL string
	// DownSince is when requests started getting no answer; zero while the
	// API answers.
	DownSince time.Time
	// LastError is why the last request got no answer.
	LastError string
	// Failures counts the requests in a row that got no answer.
	Failures int
}

// Up reports whether the API answered the last request (or none was sent).
func (s ReachState) Up() bool { return s.DownSince.IsZero() }

// State returns the current state. A nil Reach is always up.
func (r *Reach) State() ReachState {
	if r == nil {
		return ReachState{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.state
	s.URL = WithoutUserInfo(r.URL)
	return s
}

// answered records an answer.
func (r *Reach) answered() {
	if r == nil {
		return
	}
	r.mu.Lock()
	wasDown := !r.state.Up()
	r.state = ReachState{}
	r.mu.Unlock()
	if wasDown {
		r.changed()
	}
}

// noAnswer records a request that got none, with why.
func (r *Reach) noAnswer(err error, now time.Time) {
	if r == nil {
		return
	}
	r.mu.Lock()
	wasUp := r.state.Up()
	if wasUp {
		r.state.DownSince = now
	}
	r.state.LastError = err.Error()
	r.state.Failures++
	r.mu.Unlock()
	if wasUp {
		r.changed()
	}
}

func (r *Reach) changed() {
	if r.OnChange != nil {
		r.OnChange(r.State())
	}
}

// WithoutUserInfo is u without its user info, which may hold a password: it
// is what logs, errors and progress lines show of an API's address.
func WithoutUserInfo(u string) string {
	parsed, err := url.Parse(u)
	switch {
	case err != nil:
		return "(an unreadable URL)"
	case parsed.User != nil:
		parsed.User = nil
		return parsed.String()
	case strings.Contains(u, "@"):
		// No authority to strip (ops:pw@host parses as the scheme ops), yet
		// what stands before the @ may be a password.
		return "…" + u[strings.LastIndex(u, "@"):]
	}
	return u
}

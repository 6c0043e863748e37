package fakeapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// HookRequest is one request a Receiver got, kept whole so that a test
// checks its signature as a real receiver would.
type HookRequest struct {
	Path   string
	Header http.Header
	Raw    []byte
}

// An Answer answers the n-th request (from 1) a Receiver got, whose body is
// raw. It runs in the server's goroutines, possibly at once: state it keeps
// needs a lock or an atomic. Writing nothing answers 200.
type Answer func(w http.ResponseWriter, n int, raw []byte)

// FailFirst answers the first k requests 500 and the others 200.
func FailFirst(k int) Answer {
	return func(w http.ResponseWriter, n int, _ []byte) {
		if n <= k {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}
}

// Receiver is a webhook endpoint for the fakes' tests: it records every
// request and has answer answer it (nil answers 200). Checks belong in the test's goroutine,
// on what Requests returns, not in the answer.
type Receiver struct {
	// URL is where the receiver listens.
	URL    string
	answer Answer

	mu   sync.Mutex // guards reqs
	reqs []HookRequest
}

// NewReceiver starts a receiver that stops when the test ends.
func NewReceiver(t testing.TB, answer Answer) *Receiver {
	rc := &Receiver{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, HookRequest{Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw})
	n := len(rc.reqs)
	rc.mu.Unlock()
	if rc.answer != nil {
		rc.answer(w, n, raw)
	}
}

// Requests returns the requests received so far, in order of arrival.
func (rc *Receiver) Requests() []HookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

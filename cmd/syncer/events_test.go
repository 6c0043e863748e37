package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// waitFor polls cond until it holds: the tests wait for what a child
// process did, never for a duration. The deadline only turns a hang into a
// failure; it is generous because the machine may be busy.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gatedAPI serves h and holds every request whose path contains path after
// the first n of them until open is called, so that a test can act while a
// pass is surely in the middle of its work, however fast the machine.
type gatedAPI struct {
	URL  string
	seen atomic.Int64
	once sync.Once
	gate chan struct{}
}

func newGatedAPI(t *testing.T, h http.Handler, path string, n int64) *gatedAPI {
	g := &gatedAPI{gate: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, path) && g.seen.Add(1) > n {
			select {
			case <-g.gate:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(g.open)
	g.URL = srv.URL
	return g
}

// open lets the held requests through, and every later one.
func (g *gatedAPI) open() { g.once.Do(func() { close(g.gate) }) }

// hmacHex signs body with secret as DevRev does.
func hmacHex(secret, body string) string { return fakeapi.HMACHex(secret, []byte(body)) }

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// workspaceStart is "now" for every generated workspace: a fixed instant, so
// that runs with the same seed mirror the same data.
func workspaceStart() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

// fakeAPI is the fake DevRev API serving a workspace from the bench process
// on a loopback listener of its own.
type fakeAPI struct {
	WS     *devrevtest.Workspace
	Server *devrevtest.Server
	URL    string
	Token  string
	http   *http.Server
	served chan error
	clock  *requestClock
}

// generate builds a workspace of n conversations with comments comments each
// on average.
func generate(seed int64, n, comments int) *devrevtest.Workspace {
	return devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: seed, Conversations: n, CommentsPerConversation: comments, Start: workspaceStart(),
	})
}

// startFakeAPI serves ws with opts. A token is always required, so that the
// rate limit (which is per token) applies to every process of a scenario
// alike, as it would for processes sharing one DevRev service account.
func startFakeAPI(ws *devrevtest.Workspace, opts devrevtest.Options) (*fakeAPI, error) {
	opts.Token = randomToken()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the fake API: %w", err)
	}
	srv := devrevtest.NewServer(ws, opts)
	clock := &requestClock{}
	f := &fakeAPI{
		WS:     ws,
		Server: srv,
		URL:    "http://" + ln.Addr().String(),
		Token:  opts.Token,
		http:   &http.Server{Handler: clock.wrap(srv.Handler()), ReadHeaderTimeout: 10 * time.Second},
		served: make(chan error, 1),
		clock:  clock,
	}
	go func() { f.served <- f.http.Serve(ln) }()
	return f, nil
}

// close stops the listener and the Server's own httptest server.
func (f *fakeAPI) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := f.http.Shutdown(ctx)
	if serveErr := <-f.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	f.Server.Close()
	if err != nil {
		return fmt.Errorf("stop the fake API: %w", err)
	}
	return nil
}

// reset zeroes the request counters and the clock before a pass.
func (f *fakeAPI) reset() {
	f.Server.ResetStats()
	f.clock.reset()
}

// activeSpan is the time from the first request since reset to the end of
// the last one.
func (f *fakeAPI) activeSpan() time.Duration { return f.clock.span() }

// budgetUsed is the share of the rate limit's budget the requests since reset
// used, and over how many windows (see requestClock.budgetUsed).
func (f *fakeAPI) budgetUsed(window time.Duration, limit int) (float64, int) {
	return f.clock.budgetUsed(window, limit)
}

// waitFirstRequest returns once the API has received a request since reset,
// or abandon is closed, or ctx ends.
func (f *fakeAPI) waitFirstRequest(ctx context.Context, abandon <-chan struct{}) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !f.clock.started() {
		select {
		case <-ctx.Done():
			return
		case <-abandon:
			return
		case <-tick.C:
		}
	}
}

// requestClock records when the first request arrived and the last one was
// answered, so that a rate can be measured without the children's start-up
// (connecting, checking the schema, starting River) and shut-down, and when
// each request the rate limit admitted arrived.
type requestClock struct {
	mu          sync.Mutex
	first, last time.Time
	// admitted are the arrival times of the requests not refused with 429.
	admitted []time.Time
}

func (c *requestClock) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		c.mu.Lock()
		if c.first.IsZero() {
			c.first = arrived
		}
		c.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.last = time.Now()
		if sw.status != http.StatusTooManyRequests {
			c.admitted = append(c.admitted, arrived)
		}
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// budgetUsed is the share of the rate limit's budget (limit requests per
// window, windows following each other on the clock as the fake's do) that
// the requests admitted since reset used, over the windows from the first
// request's to the one before the last request's: the last is left out,
// since the work ran out in it. It also returns how many windows that is;
// with none (everything in one window), the share is 0.
func (c *requestClock) budgetUsed(window time.Duration, limit int) (float64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.admitted) == 0 || limit <= 0 {
		return 0, 0
	}
	first := slices.MinFunc(c.admitted, time.Time.Compare).Truncate(window)
	last := slices.MaxFunc(c.admitted, time.Time.Compare).Truncate(window)
	windows := int(last.Sub(first) / window)
	if windows == 0 {
		return 0, 0
	}
	used := 0
	for _, t := range c.admitted {
		if t.Before(last) {
			used++
		}
	}
	return float64(used) / float64(windows*limit), windows
}

func (c *requestClock) started() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.first.IsZero()
}

func (c *requestClock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.first, c.last = time.Time{}, time.Time{}
	c.admitted = nil
}

func (c *requestClock) span() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first.IsZero() || c.last.Before(c.first) {
		return 0
	}
	return c.last.Sub(c.first)
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "bench-" + hex.EncodeToString(b)
}

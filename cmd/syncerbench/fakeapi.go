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

// fakeAPI is a vendor's fake API serving a workspace from the bench process
// on a loopback listener of its own.
type fakeAPI struct {
	Vendor *vendorFake
	URL    string
	http   *http.Server
	served chan error
	clock  *requestClock
}

// generate builds a DevRev workspace of n conversations with comments
// comments each on average.
func generate(seed int64, n, comments int) *devrevtest.Workspace {
	return devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: seed, Conversations: n, CommentsPerConversation: comments, Start: workspaceStart(),
	})
}

// startFakeAPI serves v. Its token is required, so that the rate limit
// (which is per token) applies to every process of a scenario alike, as it
// would for processes sharing one service account.
func startFakeAPI(v *vendorFake) (*fakeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("listen for the fake API: %w", err)
	}
	clock := &requestClock{}
	f := &fakeAPI{
		Vendor: v,
		URL:    "http://" + ln.Addr().String(),
		http:   &http.Server{Handler: clock.wrap(v.Handler()), ReadHeaderTimeout: 10 * time.Second},
		served: make(chan error, 1),
		clock:  clock,
	}
	go func() { f.served <- f.http.Serve(ln) }()
	return f, nil
}

// close stops the listener and the fake's own httptest server.
func (f *fakeAPI) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := f.http.Shutdown(ctx)
	if serveErr := <-f.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	f.Vendor.Close()
	if err != nil {
		return fmt.Errorf("stop the fake API: %w", err)
	}
	return nil
}

// reset zeroes the request counters and the clock before a pass.
func (f *fakeAPI) reset() {
	f.Vendor.ResetStats()
	f.clock.reset()
}

// activeSpan is the time from the first request since reset to the end of
// the last one.
func (f *fakeAPI) activeSpan() time.Duration { return f.clock.span() }

// budgetUsed is the share of the rate limit's budget the requests since reset
// used, and over how many windows (see requestClock.budgetUsed).
func (f *fakeAPI) budgetUsed(window time.Duration, limit int) (float64, int) {
	return f.clock.budgetUsed(window, limit, false)
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
		if !isRefusal(sw.status) {
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

// isRefusal reports whether status is a rate-limit refusal: 429, or the 419
// Chatvolt answers at times.
func isRefusal(status int) bool { return status == http.StatusTooManyRequests || status == 419 }

// budgetUsed is the share of the rate limit's budget (limit requests per
// window) that the requests admitted since reset used, over the windows from
// the first request's to the one before the last request's: the last is left
// out, since the work ran out in it. The windows follow each other on the
// clock, or, with fromFirst, from the first request on (as a fake whose
// windows start at a client's first request counts them). It also returns
// how many windows that is; with none (everything in one window), the share
// is 0.
func (c *requestClock) budgetUsed(window time.Duration, limit int, fromFirst bool) (float64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.admitted) == 0 || limit <= 0 {
		return 0, 0
	}
	windowOf := func(t time.Time) time.Time { return t.Truncate(window) }
	if fromFirst {
		origin := slices.MinFunc(c.admitted, time.Time.Compare)
		windowOf = func(t time.Time) time.Time { return origin.Add(t.Sub(origin).Truncate(window)) }
	}
	first := windowOf(slices.MinFunc(c.admitted, time.Time.Compare))
	last := windowOf(slices.MaxFunc(c.admitted, time.Time.Compare))
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

// perWindow counts the requests admitted since reset in each window (as
// budgetUsed counts windows), first to last, for the progress lines.
func (c *requestClock) perWindow(window time.Duration, fromFirst bool) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.admitted) == 0 {
		return nil
	}
	origin := slices.MinFunc(c.admitted, time.Time.Compare)
	if !fromFirst {
		origin = origin.Truncate(window)
	}
	var counts []int
	for _, t := range c.admitted {
		i := int(t.Sub(origin) / window)
		for len(counts) <= i {
			counts = append(counts, 0)
		}
		counts[i]++
	}
	return counts
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

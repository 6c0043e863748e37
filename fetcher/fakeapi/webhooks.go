package fakeapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// WebhookEndpoint is a registered webhook: where a fake sends its events,
// which ones, and the secret it signs them with.
type WebhookEndpoint struct {
	ID, URL, Secret string
	// Name is a label for people, which some vendors keep (Chatwoot).
	Name string
	// EventTypes are the event types it receives; empty means all of them.
	EventTypes []string
	// Active endpoints receive events. DevRev keeps a webhook inactive
	// ("unverified") until it has answered the verify handshake.
	Active bool
}

// Wants reports whether the endpoint receives events of eventType.
func (e WebhookEndpoint) Wants(eventType string) bool {
	return e.Active && (len(e.EventTypes) == 0 || slices.Contains(e.EventTypes, eventType))
}

// WebhookOptions configures a WebhookDispatcher the way a vendor sends.
// The zero value sends each event once, at once, and never retries.
type WebhookOptions struct {
	// Seed makes the delays and duplicates reproducible. Defaults to 0.
	Seed int64
	// MaxDelay bounds the random delay before each delivery, so that
	// concurrent deliveries arrive out of order. Defaults to 0: no delay.
	MaxDelay time.Duration
	// DuplicateRate is the probability that a delivery is sent twice, as
	// at-least-once queues sometimes do. Defaults to 0.
	DuplicateRate float64
	// RetryDelays is the retry schedule: after a failed attempt n (from 0),
	// wait RetryDelays[n] and try again; when it runs out, give up.
	// Defaults to nil: no retry.
	RetryDelays []time.Duration
	// Timeout is how long an attempt may take before it counts as failed.
	// Defaults to 5 seconds.
	Timeout time.Duration
	// IDFunc names the n-th registered endpoint (from 1). Defaults to
	// strconv.Itoa.
	IDFunc func(n int) string
	// HeaderFunc adds the vendor's headers to a request (its signature, a
	// delivery id), at each attempt, as some vendors sign a timestamp.
	// Content-Type is always application/json. Defaults to nil: unsigned.
	HeaderFunc func(ep WebhookEndpoint, body []byte, h http.Header)
}

// WebhookStats counts what a WebhookDispatcher sent. A delivery is one event
// sent to one endpoint, retries included; a duplicate is a second delivery.
type WebhookStats struct {
	// Events counts events that had at least one endpoint to go to.
	Events int
	// Attempts counts requests sent, retries and duplicates included.
	Attempts int
	// Succeeded counts attempts answered with a 2xx.
	Succeeded int
	// Failed counts attempts answered otherwise, or not in time.
	Failed int
	// Duplicates counts deliveries sent a second time on purpose.
	Duplicates int
	// Retries counts attempts that repeat a failed one.
	Retries int
	// GaveUp counts deliveries dropped after their last retry failed.
	GaveUp int
}

// WebhookDispatcher sends a fake's events to its registered endpoints the
// way vendors do: each delivery in its own goroutine, after a random delay,
// sometimes twice, retried on a schedule. Deliver never blocks on the
// network, so that a workspace mutation never waits for a receiver.
type WebhookDispatcher struct {
	opts      WebhookOptions
	transport *http.Transport
	client    *http.Client
	ctx       context.Context // cancelled by Close: aborts sleeps and requests
	cancel    context.CancelFunc
	wg        sync.WaitGroup // the delivery goroutines

	mu        sync.Mutex // guards the fields below
	endpoints []WebhookEndpoint
	rng       *rand.Rand
	stats     WebhookStats
	pending   int           // deliveries not finished: waiting, in flight, or waiting to retry
	idle      chan struct{} // closed while pending is 0
	closed    bool
}

// NewWebhookDispatcher returns a dispatcher with no endpoint; Close stops it.
func NewWebhookDispatcher(opts WebhookOptions) *WebhookDispatcher {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.IDFunc == nil {
		opts.IDFunc = strconv.Itoa
	}
	// A transport of its own, so that Close can drop its idle connections
	// instead of leaving their goroutines in the default transport.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &WebhookDispatcher{
		opts:      opts,
		transport: tr,
		// Vendors do not follow a redirect of a webhook POST: it is a failure.
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		ctx:    ctx,
		cancel: cancel,
		// A stream of its own: one seed draws other numbers than the Shell's.
		rng:  rand.New(rand.NewPCG(uint64(opts.Seed), 0x4eb400c)),
		idle: idle,
	}
}

// Add registers ep under a new ID, IDFunc's, and returns it with that ID.
func (d *WebhookDispatcher) Add(ep WebhookEndpoint) WebhookEndpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	ep.ID = d.opts.IDFunc(len(d.endpoints) + 1)
	ep.EventTypes = slices.Clone(ep.EventTypes)
	d.endpoints = append(d.endpoints, ep)
	return ep
}

// SetActive turns an endpoint's deliveries on or off; it reports whether
// the endpoint exists.
func (d *WebhookDispatcher) SetActive(id string, active bool) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.endpoints, func(ep WebhookEndpoint) bool { return ep.ID == id })
	if i >= 0 {
		d.endpoints[i].Active = active
	}
	return i >= 0
}

// Endpoints returns the registered endpoints, in registration order.
func (d *WebhookDispatcher) Endpoints() []WebhookEndpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := slices.Clone(d.endpoints)
	for i := range out {
		out[i].EventTypes = slices.Clone(out[i].EventTypes)
	}
	return out
}

// Wants reports whether some endpoint receives events of eventType, so
// that a fake renders an event only when it will be sent.
func (d *WebhookDispatcher) Wants(eventType string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.closed && slices.ContainsFunc(d.endpoints, func(ep WebhookEndpoint) bool { return ep.Wants(eventType) })
}

// Deliver sends an event of eventType to every active endpoint that wants
// it, and returns before anything is sent. body renders the request body
// for one endpoint (DevRev names the webhook in the body; Chatwoot sends
// every endpoint the same bytes); it is called before Deliver returns, so
// that what it reads is not changed under it. After Close it does nothing.
func (d *WebhookDispatcher) Deliver(eventType string, body func(WebhookEndpoint) []byte) {
	targets := d.targets(eventType)
	for _, ep := range targets {
		d.launch(ep, body(ep))
	}
}

// targets are the endpoints an event goes to; it counts the event.
func (d *WebhookDispatcher) targets(eventType string) []WebhookEndpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	var out []WebhookEndpoint
	for _, ep := range d.endpoints {
		if ep.Wants(eventType) {
			out = append(out, ep)
		}
	}
	if len(out) > 0 {
		d.stats.Events++
	}
	return out
}

// launch starts one delivery, or two when it draws a duplicate, each after
// its own random delay. It counts them as pending before it returns, so
// that Wait called after Deliver waits for them.
func (d *WebhookDispatcher) launch(ep WebhookEndpoint, body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	copies := 1
	if d.opts.DuplicateRate > 0 && d.rng.Float64() < d.opts.DuplicateRate {
		copies = 2
		d.stats.Duplicates++
	}
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending += copies
	d.wg.Add(copies)
	for range copies {
		go d.run(ep, body, d.delay())
	}
}

// delay draws a delivery's delay. Called with d.mu held.
func (d *WebhookDispatcher) delay() time.Duration {
	if d.opts.MaxDelay <= 0 {
		return 0
	}
	return time.Duration(d.rng.Int64N(int64(d.opts.MaxDelay) + 1))
}

// run is one delivery: the delay, then attempts until one succeeds, the
// schedule runs out, or Close abandons it.
func (d *WebhookDispatcher) run(ep WebhookEndpoint, body []byte, delay time.Duration) {
	defer d.finish()
	if !d.sleep(delay) {
		return
	}
	for try := 0; ; try++ {
		if d.attempt(ep, body, try > 0) || d.ctx.Err() != nil {
			return
		}
		if try >= len(d.opts.RetryDelays) {
			d.count(func(s *WebhookStats) { s.GaveUp++ })
			return
		}
		if !d.sleep(d.opts.RetryDelays[try]) {
			return
		}
	}
}

// attempt sends body once and counts the outcome; it reports success. An
// attempt cut short by Close counts as neither success nor failure.
func (d *WebhookDispatcher) attempt(ep WebhookEndpoint, body []byte, retry bool) bool {
	d.count(func(s *WebhookStats) {
		s.Attempts++
		if retry {
			s.Retries++
		}
	})
	status, _, err := d.Post(d.ctx, ep, body)
	ok := err == nil && status >= 200 && status < 300
	if d.ctx.Err() == nil {
		d.count(func(s *WebhookStats) {
			if ok {
				s.Succeeded++
			} else {
				s.Failed++
			}
		})
	}
	return ok
}

// Post sends body to ep once, signed, and returns the answer's status and
// body. It is what a delivery attempt does, and what a handshake (DevRev's
// verify) uses directly. The Timeout applies; Close aborts it.
func (d *WebhookDispatcher) Post(ctx context.Context, ep WebhookEndpoint, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	defer context.AfterFunc(d.ctx, cancel)()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if d.opts.HeaderFunc != nil {
		d.opts.HeaderFunc(ep, body, req.Header)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, answer, err
}

// sleep waits d, or less if Close comes first; it reports whether to go on.
func (d *WebhookDispatcher) sleep(wait time.Duration) bool {
	if wait <= 0 {
		return d.ctx.Err() == nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.ctx.Done():
		return false
	}
}

// finish ends a delivery goroutine, waking Wait when it was the last.
func (d *WebhookDispatcher) finish() {
	d.mu.Lock()
	d.pending--
	if d.pending == 0 {
		close(d.idle)
	}
	d.mu.Unlock()
	d.wg.Done()
}

func (d *WebhookDispatcher) count(f func(*WebhookStats)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(&d.stats)
}

// Stats returns a copy of the counters.
func (d *WebhookDispatcher) Stats() WebhookStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Wait returns once no delivery is waiting for its delay, in flight or
// waiting to retry (at once if none is), or with ctx's error when ctx ends
// first. Deliver counts a delivery before it returns, so a test that
// mutates a workspace and then waits sees that mutation's deliveries done.
func (d *WebhookDispatcher) Wait(ctx context.Context) error {
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close abandons every pending delivery and retry, waits for their
// goroutines to end, and refuses new ones. It may be called more than once.
func (d *WebhookDispatcher) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	d.transport.CloseIdleConnections()
}

// HMACHex is the lowercase hex HMAC-SHA256 of the parts, concatenated,
// keyed with secret: the signature both DevRev and Chatwoot send.
func HMACHex(secret string, parts ...[]byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	for _, p := range parts {
		mac.Write(p)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

package fetcher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config describes one source's API to the client. Zero values get defaults.
type Config struct {
	// BaseURL is the API origin, such as https://api.devrev.ai.
	BaseURL string
	// AuthorizeFunc sets the credentials on a request. The token lives only in
	// this closure: never in URLs, errors or logs.
	AuthorizeFunc func(*http.Request)
	// UserAgent identifies syncer to the vendor. Defaults to "syncer".
	UserAgent string
	// HTTPClient sends the requests. Defaults to a client with sane transport
	// limits; TLS verification always stays on.
	HTTPClient *http.Client
	// Timeout bounds one request, body included. Defaults to 30 seconds.
	Timeout time.Duration
	// Pacer paces the source's requests; share one per source. Defaults to a
	// new Pacer that learns everything from the answers.
	Pacer *Pacer
	// MaxInlineWait is the most rate-limit waiting spent inside a call, the
	// waits of its refusals added up; beyond it the call returns
	// RateLimitedError so the job can snooze instead of holding a worker.
	// Defaults to 30 seconds: a source's jobs all wait for the same budget,
	// so a worker waiting for it keeps no other job of the source from
	// working, and a snooze throws away the job's fetched pages.
	// A wait never takes more than half of what is left of the call's
	// deadline, so that the job still has time to finish.
	MaxInlineWait time.Duration
	// Attempts is how many times a transient failure (5xx, timeout, broken
	// body) is tried inline before RetryableError is returned. Defaults to 3.
	Attempts int
	// MaxBodyBytes bounds a response body. Defaults to 64 MiB.
	MaxBodyBytes int64
	// RateLimitStatuses are the statuses that mean "slow down". Defaults to 429.
	RateLimitStatuses []int
	// RetryAfterFunc tells how long the vendor asked to wait after a
	// rate-limited response; zero when it said nothing, and the Pacer then
	// decides. Defaults to the Retry-After header.
	RetryAfterFunc func(resp *http.Response, body []byte, now time.Time) time.Duration
	// ErrorFunc extracts the vendor's error type and message from an error
	// body. Defaults to reading {"type","message"} or {"error"}.
	ErrorFunc func(body []byte) (typ, message string)
	// RecordRefusalFunc tells, of a 401 or 403 with the vendor's error type
	// and message, whether it refuses only the record asked for (the token
	// works, the record is not its to see) rather than the credentials.
	// Defaults to never: every 401 and 403 refuses the credentials.
	RecordRefusalFunc func(status int, typ, message string) bool
	// Reach, when set, records whether the API answers; share one per
	// source.
	Reach *Reach
	// ObserveFunc, when set, sees every response's endpoint and status (0
	// when none arrived), for metrics.
	ObserveFunc func(endpoint string, status int)
	// RateLimitedFunc, when set, sees every rate-limited response with the
	// wait it asked for (jitter included), for metrics and to tell other
	// processes sharing the source. ctx is the request's.
	RateLimitedFunc func(ctx context.Context, endpoint string, wait time.Duration)
}

// Bearer is an AuthorizeFunc that sends token as a bearer token.
func Bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// Client sends requests to one source's API.
type Client struct {
	cfg  Config
	base *url.URL
}

// maxIdleConnsPerHost is how many connections to the API stay open between
// requests. It is above what a process has in flight with the defaults (a
// backfill peaks near 130: batch jobs hold at most 400 items and have at most
// 32 requests in flight each), so that a backfill reuses its connections
// instead of closing those over the limit after each answer and dialling
// again, a TLS handshake each against a real vendor: in a backfill of 20,000
// conversations (syncerbench), syncer opened 563 to 849 connections at 64,
// 118 to 193 at 256, its database pool's included.
const maxIdleConnsPerHost = 256

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("invalid API URL %q: must be absolute, like https://api.example.com", WithoutUserInfo(cfg.BaseURL))
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "syncer"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				MaxIdleConnsPerHost: maxIdleConnsPerHost,
				IdleConnTimeout:     90 * time.Second,
				TLSHandshakeTimeout: 10 * time.Second,
				ForceAttemptHTTP2:   true,
			},
			CheckRedirect: sameHostRedirects,
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Pacer == nil {
		cfg.Pacer = NewPacer(PacerConfig{})
	}
	if cfg.MaxInlineWait <= 0 {
		cfg.MaxInlineWait = 30 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if len(cfg.RateLimitStatuses) == 0 {
		cfg.RateLimitStatuses = []int{http.StatusTooManyRequests}
	}
	if cfg.RetryAfterFunc == nil {
		cfg.RetryAfterFunc = RetryAfterHeader
	}
	if cfg.ErrorFunc == nil {
		cfg.ErrorFunc = defaultErrorFunc
	}
	return &Client{cfg: cfg, base: base}, nil
}

// Pacer returns the client's pacer.
func (c *Client) Pacer() *Pacer { return c.cfg.Pacer }

// Request is one API call.
type Request struct {
	Method string // defaults to GET
	// Path is appended to the base URL, such as "/conversations.list".
	Path string
	// Name labels the endpoint in errors, logs and metrics. Defaults to the
	// path; set it when the path holds ids or credentials (Chatwoot's public
	// API puts its identifiers there).
	Name  string
	Query url.Values
	// Body, when not nil, is sent as JSON.
	Body any
	// Once sends the request a single time, even after a transient failure:
	// for writes that must not happen twice (creating a record), and for a
	// request whose caller has a fallback of its own.
	Once bool
	// Secret says the answer carries a credential (a webhook's secret):
	// errors never quote its body.
	Secret bool
}

// Do sends req, retrying transient failures and short rate-limit waits
// inline, and returns the response body of a 2xx answer. Every call is
// counted in the RequestStats of ctx, if any.
func (c *Client) Do(ctx context.Context, req Request) ([]byte, error) {
	endpoint := req.endpoint()
	var refusedWait time.Duration // the rate-limit waits spent inline so far
	for attempt := 1; ; {
		// A wait longer than is worth holding a worker for (a spent
		// window, a long Retry-After) goes back to the caller, whose job
		// snoozes: waiting out a job's timeout would count as a failure.
		slot, err := c.cfg.Pacer.Wait(ctx, c.inlineWaitLimit(ctx))
		if err != nil {
			var long *WaitTooLongError
			if errors.As(err, &long) {
				return nil, &RateLimitedError{Endpoint: endpoint, Wait: long.Wait}
			}
			return nil, fmt.Errorf("%s: %w", endpoint, err)
		}
		body, err := c.once(ctx, endpoint, req, slot)
		if err == nil {
			return body, nil
		}

		var rateErr *RateLimitedError
		var retryErr *RetryableError
		switch {
		case errors.As(err, &rateErr):
			// Waiting out a rate limit does not use up an attempt, but the
			// waits of one call add up to the inline limit at most: a
			// refusal that never ends goes back to the caller.
			refusedWait += rateErr.Wait
			if refusedWait > c.inlineWaitLimit(ctx) {
				return nil, err
			}
		case errors.As(err, &retryErr):
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %w", endpoint, ctx.Err())
			}
			if attempt >= c.cfg.Attempts || req.Once {
				return nil, err
			}
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return nil, fmt.Errorf("%s: %w", endpoint, err)
			}
			attempt++
		default:
			return nil, err
		}
	}
}

// inlineWaitLimit is the longest rate-limit wait worth spending inside a call
// under ctx: MaxInlineWait, or half of what is left before ctx's deadline if
// that is less.
func (c *Client) inlineWaitLimit(ctx context.Context) time.Duration {
	limit := c.cfg.MaxInlineWait
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(deadline)/2)
	}
	return limit
}

// GetJSON sends req and decodes a 2xx answer into out. It returns the raw body
// too, so that callers can keep the vendor's records verbatim.
func (c *Client) GetJSON(ctx context.Context, req Request, out any) ([]byte, error) {
	return c.GetDecoded(ctx, req, func(body []byte) error { return json.Unmarshal(body, out) })
}

// GetDecoded sends req and hands a 2xx answer to decode, for callers with
// their own decoder. A decode error is retryable, as with GetJSON.
func (c *Client) GetDecoded(ctx context.Context, req Request, decode func(body []byte) error) ([]byte, error) {
	body, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := decode(body); err != nil {
		// A 2xx that is not our JSON (an HTML error page from a proxy, a
		// truncated body) is most often a passing fault upstream.
		quoted := snippet(body)
		if req.Secret {
			quoted = fmt.Sprintf("%d bytes, not quoted: they hold a secret", len(body))
		}
		return nil, &RetryableError{Endpoint: req.endpoint(), Status: http.StatusOK,
			Err: fmt.Errorf("decode response (%s): %w", quoted, err)}
	}
	return body, nil
}

// once sends req a single time, in the pacer slot its caller claimed: the
// slot ends as soon as the answer's headers tell the budget (reading a large
// body need not hold back the next request), or when no answer came.
func (c *Client) once(ctx context.Context, endpoint string, req Request, slot *Slot) ([]byte, error) {
	defer slot.Release()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	httpReq, err := c.newRequest(ctx, endpoint, req)
	if err != nil {
		return nil, err
	}
	stats := statsFrom(ctx)
	stats.addRequest()
	resp, err := c.cfg.HTTPClient.Do(httpReq)
	if refused := c.refusedRedirect(endpoint, resp, err); refused != nil {
		return nil, refused
	}
	if err != nil {
		c.observe(endpoint, 0)
		if parent.Err() == nil { // not a shutdown, nor the job's time running out
			c.cfg.Reach.noAnswer(unwrapURLError(err), time.Now())
		}
		// url.Error carries the URL, which has no secrets (they live in
		// headers), but say it plainly instead.
		return nil, &RetryableError{Endpoint: endpoint, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	c.observe(endpoint, resp.StatusCode)
	c.cfg.Reach.answered()
	refused := c.isRateLimit(resp.StatusCode)
	if !refused {
		slot.Answered(resp.StatusCode, resp.Header)
	}

	body, err := readBody(resp.Body, resp.ContentLength, c.cfg.MaxBodyBytes)
	tooLarge := int64(len(body)) > c.cfg.MaxBodyBytes
	if refused {
		// A refusal is one whatever became of its body, which only may
		// say how long to wait.
		if err != nil || tooLarge {
			body = nil
		}
		wait := slot.Refused(resp.Header, c.cfg.RetryAfterFunc(resp, body, time.Now()))
		stats.addRateLimited()
		if c.cfg.RateLimitedFunc != nil {
			c.cfg.RateLimitedFunc(ctx, endpoint, wait)
		}
		return nil, &RateLimitedError{Endpoint: endpoint, Wait: wait, Refused: true}
	}
	if err != nil {
		return nil, &RetryableError{Endpoint: endpoint, Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", unwrapURLError(err))}
	}
	if tooLarge {
		return nil, &APIError{Endpoint: endpoint, Status: resp.StatusCode, Type: typeBodyTooLarge,
			Message: fmt.Sprintf("response body exceeds %d bytes", c.cfg.MaxBodyBytes)}
	}
	return body, c.statusError(endpoint, resp.StatusCode, body)
}

// newRequest builds req's HTTP request, credentials included.
func (c *Client) newRequest(ctx context.Context, endpoint string, req Request) (*http.Request, error) {
	// req.Path is escaped (callers escape the ids they put in it): it joins
	// the base's escaped path, so that an id's "%" or "/" is sent as given.
	u := *c.base
	u.RawPath = c.base.EscapedPath() + req.Path
	path, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, fmt.Errorf("%s: path: %w", endpoint, err)
	}
	u.Path = path
	u.RawQuery = req.Query.Encode()
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var bodyReader io.Reader
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", endpoint, err)
		}
		bodyReader = bytes.NewReader(b)
	}
	httpReq, err := http.NewRequestWithContext(ctx, method, u.String(), bodyReader)
	if err != nil {
		return nil, fmt.Errorf("%s: build request: %w", endpoint, err)
	}
	httpReq.Header.Set("Accept", "application/json")
	httpReq.Header.Set("User-Agent", c.cfg.UserAgent)
	if bodyReader != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.AuthorizeFunc != nil {
		c.cfg.AuthorizeFunc(httpReq)
	}
	return httpReq, nil
}

// statusError is the error an answer's status means: none for a 2xx, a
// RetryableError for a 5xx, a 408 or a 404 that is not the API's, an
// APIError for other statuses.
func (c *Client) statusError(endpoint string, status int, body []byte) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusNotFound && !json.Valid(body):
		// A 404 says a record is gone, and the jobs mark it deleted on its
		// word. The vendors' APIs answer one in JSON; an HTML page or an
		// empty body is a proxy's, a load balancer's or a CDN's (a route
		// missing during a deploy, say), which proves nothing about the
		// record: try again rather than delete it.
		return &RetryableError{Endpoint: endpoint, Status: status, Err: fmt.Errorf("not the API's answer: %s", snippet(body))}
	case status >= 500 || status == http.StatusRequestTimeout:
		typ, msg := c.cfg.ErrorFunc(body)
		return &RetryableError{Endpoint: endpoint, Status: status, Err: errors.New(describe(typ, msg, body))}
	default:
		typ, msg := c.cfg.ErrorFunc(body)
		recordOnly := c.cfg.RecordRefusalFunc != nil && c.cfg.RecordRefusalFunc(status, typ, msg)
		if typ == "" && msg == "" {
			msg = snippet(body)
		}
		return &APIError{Endpoint: endpoint, Status: status, Type: typ, Message: msg, RecordOnly: recordOnly}
	}
}

// sameHostRedirects follows redirects within the API's host only, and
// never from https to plain http: Go copies custom headers (Chatwoot's
// api_access_token) and, within a host, Authorization to every redirect, so
// one to another host would hand it the token, and one to http would send it
// in the clear.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return &redirectRefused{fmt.Sprintf("refused a redirect to another host (%s)", req.URL.Host)}
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return &redirectRefused{fmt.Sprintf("refused a redirect from https to %s", req.URL.Scheme)}
	}
	return nil
}

// redirectRefused is a redirect sameHostRedirects does not follow.
type redirectRefused struct{ reason string }

func (e *redirectRefused) Error() string { return e.reason }

// refusedRedirect is the error of an answer that redirected where syncer
// does not follow: the API answered (it is reachable), and the URL it was
// given is wrong (a login page, a website), which no retry mends. Nil for
// any other outcome.
func (c *Client) refusedRedirect(endpoint string, resp *http.Response, err error) error {
	var refused *redirectRefused
	if resp == nil || !errors.As(err, &refused) {
		return nil
	}
	c.observe(endpoint, resp.StatusCode)
	c.cfg.Reach.answered()
	return &APIError{Endpoint: endpoint, Status: resp.StatusCode, Type: "redirect",
		Message: refused.reason + ", which would hand it the token: check the source's API URL"}
}

func (c *Client) observe(endpoint string, status int) {
	if c.cfg.ObserveFunc != nil {
		c.cfg.ObserveFunc(endpoint, status)
	}
}

func (c *Client) isRateLimit(status int) bool {
	for _, s := range c.cfg.RateLimitStatuses {
		if s == status {
			return true
		}
	}
	return false
}

func (r Request) endpoint() string {
	if r.Name != "" {
		return r.Name
	}
	return strings.TrimPrefix(r.Path, "/")
}

// RetryAfterHeader reads a Retry-After header in seconds or as an HTTP date.
func RetryAfterHeader(resp *http.Response, _ []byte, now time.Time) time.Duration {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if d, ok := ParseSecondsWait(v); ok {
		return d
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// ForbiddenRefusesRecord is a Config.RecordRefusalFunc for vendors whose 403
// refuses one record (the token's user may not see it) and whose 401
// refuses the token itself (missing, expired or revoked): only the 401
// stops the source. A refusal of the listing itself, which is no record,
// the jobs still take for the token's (see jobs' jobFailed).
func ForbiddenRefusesRecord(status int, _, _ string) bool { return status == http.StatusForbidden }

// maxVendorWait bounds a wait a vendor asks for (Slot.Refused): a day, which
// asks no less than a longer one would, and leaves room for its jitter in a
// Duration.
const maxVendorWait = 24 * time.Hour

// SecondsWait is a vendor's wait of secs seconds, at most maxVendorWait, so
// that converting it cannot overflow; none (0) for a negative number, an
// infinite one or not a number, which ask for nothing sensible.
func SecondsWait(secs float64) time.Duration {
	if !(secs >= 0) || math.IsInf(secs, 1) {
		return 0
	}
	return time.Duration(min(secs, maxVendorWait.Seconds()) * float64(time.Second))
}

// ParseSecondsWait reads a vendor's wait written as a number of seconds,
// fractions kept (see SecondsWait); ok is false for text that is no number.
func ParseSecondsWait(s string) (time.Duration, bool) {
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return SecondsWait(secs), true
}

func defaultErrorFunc(body []byte) (string, string) {
	var e struct {
		Type        string `json:"type"`
		Message     string `json:"message"`
		Error       any    `json:"error"`
		Description string `json:"description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	msg := e.Message
	if msg == "" {
		msg = e.Description
	}
	if msg == "" && e.Error != nil {
		msg = fmt.Sprint(e.Error)
	}
	return e.Type, msg
}

func describe(typ, msg string, body []byte) string {
	switch {
	case typ != "" && msg != "":
		return typ + ": " + msg
	case typ != "":
		return typ
	case msg != "":
		return msg
	default:
		return snippet(body)
	}
}

// snippet shows the start of a body in an error, for a human to recognize.
func snippet(body []byte) string {
	const n = 120
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return "empty body"
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s: %w", urlErr.Op, urlErr.Err)
	}
	return err
}

// backoff is the pause before inline attempt n+1: 200ms, 400ms, 800ms… with
// jitter, at most 5 seconds.
func backoff(attempt int) time.Duration {
	d := min(200*time.Millisecond<<(attempt-1), 5*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

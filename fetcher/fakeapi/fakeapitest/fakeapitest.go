// Package fakeapitest holds what the tests of the fake vendor APIs share:
// serving a fake for one test (a Bundle of a workspace and its server),
// calling it with credentials and reading whole answers (decoded, when they
// are JSON), fetching pages in a benchmark, a wall clock for rate limits,
// small helpers for JSON answers, a webhook Receiver and the Steps that
// follow its events, and the checks every fake passes (RequireDeterministic,
// ReadWhileMutating).
package fakeapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Start is "now" for the data the fakes' tests generate.
func Start() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

// Serve stops srv when the test ends, and returns it.
func Serve[S interface{ Close() }](t testing.TB, srv S) S {
	t.Cleanup(srv.Close)
	return srv
}

// Answering is the URL of a server that answers every request 200 with
// body as JSON, whatever it asks: for a client's handling of an answer no
// fake would give. The server stops when the test ends.
func Answering(t testing.TB, body string) string {
	srv := Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})))
	return srv.URL
}

// Response is a whole answer.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
}

// Get sends GET u?q (q may be empty) with header and reads the answer.
func Get(t testing.TB, u string, q url.Values, header http.Header) Response {
	t.Helper()
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	return Do(t, req, header)
}

// PostJSON sends body as JSON to u with header and reads the answer.
func PostJSON(t testing.TB, u string, body any, header http.Header) Response {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	return Do(t, req, header)
}

// Do adds header to req, sends it and reads the whole answer.
func Do(t testing.TB, req *http.Request, header http.Header) Response {
	t.Helper()
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
}

// Fetch is Get for a benchmark's loop: it sends GET u without credentials
// and decodes the JSON answer into v, or discards it when v is nil. It fails
// on a transport or decoding error or a status other than 200 and checks
// nothing else, so that what a benchmark measures is the fake's work.
func Fetch(tb testing.TB, u string, v any) {
	tb.Helper()
	resp, err := http.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %s", u, resp.Status)
	}
	if v == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	} else {
		err = json.NewDecoder(resp.Body).Decode(v)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// Bearer is the header of "Authorization: Bearer <token>"; none for "".
func Bearer(token string) http.Header {
	return Credential("Authorization", "Bearer ", token)
}

// Credential is a header carrying prefix and secret; none when secret is "",
// so that a test can call without credentials.
func Credential(name, prefix, secret string) http.Header {
	h := http.Header{}
	if secret != "" {
		h.Set(name, prefix+secret)
	}
	return h
}

// CloneValues copies q deeply, so that a walk can change its copy.
func CloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// ToMaps is a decoded JSON array of objects; an empty array gives an empty,
// non-nil slice.
func ToMaps(v any) []map[string]any {
	out := []map[string]any{}
	for _, it := range v.([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// Clock is a wall clock that moves only when told: a rate limit's NowFunc
// in a test. It is safe for concurrent use, as servers read it from their
// handlers' goroutines.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock showing now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the time the clock shows.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to now.
func (c *Clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// IDs is the "id" of each object, for fakes whose ids are strings.
func IDs(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["id"].(string))
	}
	return out
}

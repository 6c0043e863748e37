package webhooks

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
)

// stubSource accepts the deliveries whose header X-Test names an outcome
// (or "ok"): the receiving is the vendors' (tested with them); this tests
// what the handler makes of it.
type stubSource struct{ fetcher.Source }

func (stubSource) ReceiveWebhook(h http.Header, body []byte, now time.Time) (*fetcher.WebhookDelivery, error) {
	switch h.Get("X-Test") {
	case "ok":
		return &fetcher.WebhookDelivery{ID: h.Get("X-Id"), Type: "conversation_updated", At: now.Add(-time.Second), ConversationIDs: []string{string(body)}}, nil
	case "verify":
		return &fetcher.WebhookDelivery{Type: "verify", Reply: []byte(`{"challenge":"c"}`)}, nil
	case "other":
		return &fetcher.WebhookDelivery{ID: h.Get("X-Id"), Type: "other"}, nil
	default:
		return nil, &fetcher.WebhookError{Outcome: h.Get("X-Test"), Err: errors.New("refused")}
	}
}

type recorder struct {
	mu       sync.Mutex
	queued   []string
	observed []string
	noted    int
	fail     bool
}

func (r *recorder) note(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noted++
}

func (r *recorder) queue(_ context.Context, source string, ids []string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("database down")
	}
	r.queued = append(r.queued, source+":"+strings.Join(ids, ","))
	return nil
}

func (r *recorder) observe(source, typ, outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observed = append(r.observed, source+" "+typ+" "+outcome)
}

func TestHandler(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var logs bytes.Buffer
	h := New(Config{
		Sources: map[string]fetcher.Source{"devrev": stubSource{}, "chatvolt": nil},
		Queue:   rec.queue, Observe: rec.observe, Noted: rec.note, Log: zerolog.New(&logs),
	})
	mux := http.NewServeMux()
	mux.Handle("/webhooks/{source}", h)
	post := func(method, path, test, id, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-Test", test)
		req.Header.Set("X-Id", id)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		return w
	}

	require.Equal(t, http.StatusOK, post("POST", "/webhooks/devrev", "ok", "e1", "c1").Code)
	require.Equal(t, http.StatusOK, post("POST", "/webhooks/devrev", "ok", "e1", "c1").Code, "a duplicate is answered")
	require.Equal(t, []string{"devrev:c1"}, rec.queued, "and queues nothing")
	w := post("POST", "/webhooks/devrev", "verify", "", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"challenge":"c"}`, w.Body.String())
	require.Equal(t, http.StatusOK, post("POST", "/webhooks/devrev", "other", "e2", "").Code)

	for _, tc := range []struct {
		method, path, test string
		status             int
	}{
		{"GET", "/webhooks/devrev", "ok", http.StatusMethodNotAllowed},
		{"POST", "/webhooks/nosuch", "ok", http.StatusNotFound},
		{"POST", "/webhooks/chatvolt", "ok", http.StatusNotFound},
		{"POST", "/webhooks/devrev", fetcher.WebhookBadSignature, http.StatusUnauthorized},
		{"POST", "/webhooks/devrev", fetcher.WebhookStale, http.StatusUnauthorized},
		{"POST", "/webhooks/devrev", fetcher.WebhookMalformed, http.StatusBadRequest},
	} {
		require.Equal(t, tc.status, post(tc.method, tc.path, tc.test, "x", "c9").Code, "%+v", tc)
	}
	big := strings.Repeat("x", MaxBody+1)
	require.Equal(t, http.StatusRequestEntityTooLarge, post("POST", "/webhooks/devrev", "ok", "e3", big).Code)
	require.Equal(t, []string{"devrev:c1"}, rec.queued, "no refusal queues anything")

	require.Equal(t, 2, rec.noted, "the deliveries taken say the webhook works")
	rec.fail = true
	require.Equal(t, http.StatusServiceUnavailable, post("POST", "/webhooks/devrev", "ok", "e4", "c4").Code)
	require.Equal(t, 2, rec.noted, "one answered 503 does not")
	rec.fail = false
	require.Equal(t, http.StatusOK, post("POST", "/webhooks/devrev", "ok", "e4", "c4").Code, "the vendor's retry is taken")
	require.Equal(t, []string{"devrev:c1", "devrev:c4"}, rec.queued)

	require.Equal(t, []string{
		"devrev conversation_updated queued", "devrev conversation_updated duplicate", "devrev verify handshake",
		"devrev other ignored", "devrev unknown bad_method", "unknown unknown unknown_source", "unknown unknown unknown_source",
		"devrev unknown bad_signature", "devrev unknown stale", "devrev unknown malformed", "devrev unknown too_large",
		"devrev conversation_updated unavailable", "devrev conversation_updated queued",
	}, rec.observed)

	// A flood of refusals logs once a minute.
	for range 50 {
		post("POST", "/webhooks/devrev", fetcher.WebhookBadSignature, "", "")
	}
	require.Equal(t, 1, strings.Count(logs.String(), `"outcome":"bad_signature"`))
}

// TestHandlerBodyCutOff: a body that cannot be read to its end (the client
// went away, or was too slow) is a bad request, not one too large.
func TestHandlerBodyCutOff(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := New(Config{Sources: map[string]fetcher.Source{"devrev": stubSource{}}, Queue: rec.queue, Observe: rec.observe, Log: zerolog.Nop()})
	mux := http.NewServeMux()
	mux.Handle("/webhooks/{source}", h)
	req := httptest.NewRequest("POST", "/webhooks/devrev", iotest.ErrReader(errors.New("connection reset by peer")))
	req.Header.Set("X-Test", "ok")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Equal(t, []string{"devrev unknown malformed"}, rec.observed)
	require.Empty(t, rec.queued)
}

// TestLongDeliveryIDsAreRememberedSmall: the ids of deliveries taken are
// remembered for duplicates whatever their length, in a digest's room. A
// sender chooses the id (Chatwoot's unsigned webhooks are taken from anyone),
// and 100,000 ids of a megabyte each would otherwise be kept for 10 minutes.
// Not parallel: the heap is measured while no other test allocates.
func TestLongDeliveryIDsAreRememberedSmall(t *testing.T) {
	rec := &recorder{}
	h := New(Config{Sources: map[string]fetcher.Source{"devrev": stubSource{}}, Queue: rec.queue, Log: zerolog.Nop()})
	post := func(id string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/devrev", strings.NewReader("c1"))
		req.SetPathValue("source", "devrev")
		req.Header.Set("X-Test", "ok")
		req.Header.Set("X-Id", id)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const deliveries, idSize = 40, 1 << 20
	before := heap()
	for i := range deliveries {
		id := strings.Repeat(string(rune('a'+i%26)), idSize-1) + strconv.Itoa(i)
		require.Equal(t, http.StatusOK, post(id).Code)
	}
	grown := int64(heap()) - int64(before)
	require.Less(t, grown, int64(deliveries*idSize/4), "remembering %d ids of 1 MB", deliveries)
	require.Len(t, rec.queued, deliveries)

	last := strings.Repeat(string(rune('a'+(deliveries-1)%26)), idSize-1) + strconv.Itoa(deliveries-1)
	require.Equal(t, http.StatusOK, post(last).Code)
	require.Len(t, rec.queued, deliveries, "a long id's duplicate is still known")
}

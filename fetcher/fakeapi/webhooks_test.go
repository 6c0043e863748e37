package fakeapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

// hit is one request a test receiver got.
type hit struct {
	path      string
	body      string
	signature string
}

// newReceiver is a webhook endpoint that answers status(n) to its n-th
// request (from 1).
func newReceiver(t *testing.T, status func(n int) int) *fakeapitest.Receiver {
	return fakeapitest.NewReceiver(t, func(w http.ResponseWriter, n int, _ []byte) { w.WriteHeader(status(n)) })
}

func always(status int) func(int) int { return func(int) int { return status } }

// got is what rc received, as hits.
func got(rc *fakeapitest.Receiver) []hit {
	var hits []hit
	for _, r := range rc.Requests() {
		hits = append(hits, hit{path: r.Path, body: string(r.Raw), signature: r.Header.Get("X-Test-Signature")})
	}
	return hits
}

// signTest signs like a vendor would, so that tests see HeaderFunc applied.
func signTest(ep WebhookEndpoint, body []byte, h http.Header) {
	h.Set("X-Test-Signature", HMACHex(ep.Secret, body))
}

func newDispatcher(t *testing.T, opts WebhookOptions) *WebhookDispatcher {
	opts.HeaderFunc = signTest
	d := NewWebhookDispatcher(opts)
	t.Cleanup(d.Close)
	return d
}

func wait(t *testing.T, d *WebhookDispatcher) {
	t.Helper()
	require.NoError(t, d.Wait(context.Background()))
}

// bodyOf renders an endpoint's body as its ID, so that tests see which
// endpoint got which body.
func bodyOf(ep WebhookEndpoint) []byte { return []byte(`{"to":"` + ep.ID + `"}`) }

func TestWebhookDispatcher(t *testing.T) {
	t.Parallel()

	t.Run("DeliversToActiveSubscribedEndpointsOnly", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, always(http.StatusOK))
		d := newDispatcher(t, WebhookOptions{IDFunc: func(n int) string { return "hook-" + string(rune('a'-1+n)) }})
		all := d.Add(WebhookEndpoint{URL: rc.URL + "/all", Secret: "secret-all", Active: true})
		onlyX := d.Add(WebhookEndpoint{URL: rc.URL + "/x", Secret: "secret-x", EventTypes: []string{"x"}, Active: true})
		d.Add(WebhookEndpoint{URL: rc.URL + "/inactive", Secret: "secret-off"})
		d.Add(WebhookEndpoint{URL: rc.URL + "/y", Secret: "secret-y", EventTypes: []string{"y"}, Active: true})
		require.Equal(t, "hook-a", all.ID)

		d.Deliver("x", bodyOf)
		wait(t, d)

		hits := got(rc)
		slices.SortFunc(hits, func(a, b hit) int { return strings.Compare(a.path, b.path) })
		require.Equal(t, []hit{
			{path: "/all", body: `{"to":"hook-a"}`, signature: HMACHex("secret-all", bodyOf(all))},
			{path: "/x", body: `{"to":"hook-b"}`, signature: HMACHex("secret-x", bodyOf(onlyX))},
		}, hits)
		require.Equal(t, WebhookStats{Events: 1, Attempts: 2, Succeeded: 2}, d.Stats())
	})

	t.Run("CountsNoEventWithoutARecipient", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, always(http.StatusOK))
		d := newDispatcher(t, WebhookOptions{})
		d.Add(WebhookEndpoint{URL: rc.URL + "/", Secret: "s", EventTypes: []string{"y"}, Active: true})
		require.False(t, d.Wants("x"))
		d.Deliver("x", func(WebhookEndpoint) []byte { panic("no endpoint wants x: nothing to render") })
		wait(t, d)
		require.Zero(t, d.Stats())
		require.Empty(t, got(rc))
	})

	t.Run("SetActiveTurnsDeliveriesOn", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, always(http.StatusOK))
		d := newDispatcher(t, WebhookOptions{})
		ep := d.Add(WebhookEndpoint{URL: rc.URL + "/", Secret: "s"})
		require.False(t, d.Wants("x"))
		require.True(t, d.SetActive(ep.ID, true))
		require.False(t, d.SetActive("nope", true))
		require.True(t, d.Wants("x"))
		require.True(t, d.Endpoints()[0].Active)
	})

	t.Run("SendsDuplicates", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, always(http.StatusNoContent))
		d := newDispatcher(t, WebhookOptions{DuplicateRate: 1})
		d.Add(WebhookEndpoint{URL: rc.URL + "/", Secret: "s", Active: true})
		d.Deliver("x", bodyOf)
		wait(t, d)
		hits := got(rc)
		require.Len(t, hits, 2)
		require.Equal(t, hits[0], hits[1], "a duplicate is the same request")
		require.Equal(t, WebhookStats{Events: 1, Attempts: 2, Succeeded: 2, Duplicates: 1}, d.Stats())
	})

	t.Run("FailsAnAttemptThatTimesOut", func(t *testing.T) {
		t.Parallel()
		// The server sees the client hang up only once the body is read.
		slow := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}))
		t.Cleanup(slow.Close)
		d := newDispatcher(t, WebhookOptions{Timeout: 10 * time.Millisecond})
		d.Add(WebhookEndpoint{URL: slow.URL, Secret: "s", Active: true})
		d.Deliver("x", bodyOf)
		wait(t, d)
		require.Equal(t, WebhookStats{Events: 1, Attempts: 1, Failed: 1, GaveUp: 1}, d.Stats())
	})
}

// TestWebhookDispatcherOutcomes delivers one event to an endpoint that
// answers status(n) to its n-th request, and checks how many requests it got
// and what the dispatcher counted.
func TestWebhookDispatcherOutcomes(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status   func(n int) int
		retry    []time.Duration
		requests int
		want     WebhookStats
	}{
		"RetriesAFailedDelivery": {
			status: func(n int) int {
				if n == 1 {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			},
			retry: []time.Duration{0, 0}, requests: 2,
			want: WebhookStats{Events: 1, Attempts: 2, Succeeded: 1, Failed: 1, Retries: 1},
		},
		"GivesUpWhenTheScheduleRunsOut": {
			status: always(http.StatusInternalServerError), retry: []time.Duration{0, time.Millisecond}, requests: 3,
			want: WebhookStats{Events: 1, Attempts: 3, Failed: 3, Retries: 2, GaveUp: 1},
		},
		"FailsARedirect": {
			status: always(http.StatusFound), requests: 1, // the redirect is not followed
			want: WebhookStats{Events: 1, Attempts: 1, Failed: 1, GaveUp: 1},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, tc.status)
			d := newDispatcher(t, WebhookOptions{RetryDelays: tc.retry})
			d.Add(WebhookEndpoint{URL: rc.URL + "/", Secret: "s", Active: true})
			d.Deliver("x", bodyOf)
			wait(t, d)
			require.Len(t, got(rc), tc.requests)
			require.Equal(t, tc.want, d.Stats())
		})
	}
}

func TestWebhookDispatcherWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(arrived)
		<-release
	}))
	t.Cleanup(srv.Close)
	d := newDispatcher(t, WebhookOptions{})
	d.Add(WebhookEndpoint{URL: srv.URL, Secret: "s", Active: true})
	d.Deliver("x", bodyOf)
	<-arrived

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, d.Wait(ctx), context.Canceled, "a delivery is in flight")
	close(release)
	require.NoError(t, d.Wait(context.Background()))
	require.Equal(t, 1, d.Stats().Succeeded)
}

func TestWebhookDispatcherCloseAbandonsRetries(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		arrived <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	d := newDispatcher(t, WebhookOptions{RetryDelays: []time.Duration{time.Hour}})
	d.Add(WebhookEndpoint{URL: srv.URL, Secret: "s", Active: true})
	d.Deliver("x", bodyOf)
	<-arrived

	d.Close() // returns without waiting the hour: the retry is abandoned
	require.NoError(t, d.Wait(context.Background()), "no delivery goroutine is left")
	st := d.Stats()
	require.Zero(t, st.Retries)
	require.Zero(t, st.GaveUp)

	require.False(t, d.Wants("x"))
	d.Deliver("x", bodyOf)
	require.Equal(t, st, d.Stats(), "a closed dispatcher sends nothing")
	d.Close()
}

func TestWebhookDispatcherDelaysDiffer(t *testing.T) {
	t.Parallel()
	d := NewWebhookDispatcher(WebhookOptions{Seed: 7, MaxDelay: time.Second})
	defer d.Close()
	delays := make([]time.Duration, 50)
	d.mu.Lock()
	for i := range delays {
		delays[i] = d.delay()
	}
	d.mu.Unlock()
	for _, dl := range delays {
		require.True(t, dl >= 0 && dl <= time.Second, dl)
	}
	require.False(t, slices.IsSorted(delays), "deliveries started in order may arrive in any order")
	calm := NewWebhookDispatcher(WebhookOptions{})
	defer calm.Close()
	require.Zero(t, calm.delay())
}

func TestWebhookDispatcherPostReturnsTheAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"challenge":"c"}`)
	}))
	t.Cleanup(srv.Close)
	d := newDispatcher(t, WebhookOptions{})
	status, answer, err := d.Post(context.Background(), WebhookEndpoint{URL: srv.URL}, []byte(`{}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, status)
	require.JSONEq(t, `{"challenge":"c"}`, string(answer))
	require.Zero(t, d.Stats(), "a handshake is not a delivery")
}

func TestHMACHex(t *testing.T) {
	t.Parallel()
	// The known answer of Wikipedia's HMAC example.
	require.Equal(t, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		HMACHex("key", []byte("The quick brown fox jumps over the lazy dog")))
	require.Equal(t, HMACHex("k", []byte("12.{}")), HMACHex("k", []byte("12"), []byte("."), []byte("{}")))
}

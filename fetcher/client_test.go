package fetcher

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testToken = "secret-token-do-not-leak"

func TestClient(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		client *Client
		calls  *atomic.Int64
	}
	// setup serves handler; each call sees the attempt number (1-based).
	setup := func(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, call int64), mutate ...func(*Config)) *testBundle {
		t.Helper()
		var calls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+testToken {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"type":"unauthenticated","message":"bad token"}`))
				return
			}
			handler(w, r, calls.Add(1))
		}))
		t.Cleanup(srv.Close)
		cfg := Config{
			BaseURL:       srv.URL,
			AuthorizeFunc: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken) },
			UserAgent:     "syncer-test",
		}
		for _, m := range mutate {
			m(&cfg)
		}
		client, err := New(cfg)
		require.NoError(t, err)
		return &testBundle{client: client, calls: &calls}
	}
	get := func(b *testBundle) ([]byte, error) {
		return b.client.Do(context.Background(), Request{Path: "/things.list"})
	}
	requireNoSecret := func(t *testing.T, err error) {
		t.Helper()
		require.NotContains(t, err.Error(), testToken)
	}

	t.Run("AnEscapedIDInThePathIsSentAsEscaped", func(t *testing.T) {
		t.Parallel()
		var got string
		b := setup(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
			got = r.URL.EscapedPath()
			_, _ = w.Write([]byte(`{}`))
		}, func(c *Config) { c.BaseURL += "/api%20v1" })
		_, err := b.client.Do(t.Context(), Request{Path: "/conversation/" + url.PathEscape("a b/é%")})
		require.NoError(t, err)
		require.Equal(t, "/api%20v1/conversation/a%20b%2F%C3%A9%25", got)
	})

	t.Run("ReturnsBodyAndSendsUserAgent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
			require.Equal(t, "syncer-test", r.UserAgent())
			_, _ = w.Write([]byte(`{"ok":true}`))
		})
		body, err := get(b)
		require.NoError(t, err)
		require.JSONEq(t, `{"ok":true}`, string(body))
	})

	t.Run("RetriesServerErrorsInline", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, call int64) {
			if call < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte(`{}`))
		})
		_, err := get(b)
		require.NoError(t, err)
		require.EqualValues(t, 3, b.calls.Load())
	})

	t.Run("GivesUpOnPersistentServerErrorsAsRetryable", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"type":"internal_error","message":"boom","reference_id":"r1"}`))
		})
		_, err := get(b)
		var retryErr *RetryableError
		require.ErrorAs(t, err, &retryErr)
		require.Equal(t, http.StatusInternalServerError, retryErr.Status)
		require.Contains(t, err.Error(), "internal_error: boom")
		require.EqualValues(t, 3, b.calls.Load())
	})

	t.Run("WaitsShortRateLimitsInlineWithoutUsingAttempts", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, call int64) {
			if call <= 4 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			_, _ = w.Write([]byte(`{}`))
		}, func(c *Config) {
			c.RetryAfterFunc = func(*http.Response, []byte, time.Time) time.Duration { return 10 * time.Millisecond }
		})
		stats := &RequestStats{}
		_, err := b.client.Do(WithStats(context.Background(), stats), Request{Path: "/things.list"})
		require.NoError(t, err)
		require.EqualValues(t, 5, stats.Requests.Load())
		require.EqualValues(t, 4, stats.RateLimited.Load())
	})

	t.Run("ShortRateLimitsThatNeverEndAreReturned", func(t *testing.T) {
		t.Parallel()
		// Each wait is short, but together they pass MaxInlineWait: a call
		// without a deadline (a command) must not wait for ever.
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.WriteHeader(http.StatusTooManyRequests)
		}, func(c *Config) {
			c.MaxInlineWait = 100 * time.Millisecond
			c.RetryAfterFunc = func(*http.Response, []byte, time.Time) time.Duration { return 10 * time.Millisecond }
		})
		_, err := get(b)
		var rateErr *RateLimitedError
		require.ErrorAs(t, err, &rateErr)
		require.Less(t, b.calls.Load(), int64(20))
	})

	t.Run("ARefusalWhoseBodyIsCutIsStillARefusal", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"retry`)) // and the connection closes
		}, func(c *Config) {
			c.RetryAfterFunc = func(*http.Response, []byte, time.Time) time.Duration { return time.Minute }
		})
		_, err := get(b)
		var rateErr *RateLimitedError
		require.ErrorAs(t, err, &rateErr)
		require.True(t, rateErr.Refused)
		require.Greater(t, b.client.Pacer().Delay(), 50*time.Second, "every worker of the source waits")
	})

	t.Run("ReturnsLongRateLimitsWithTheirWait", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		_, err := get(b)
		var rateErr *RateLimitedError
		require.ErrorAs(t, err, &rateErr)
		require.GreaterOrEqual(t, rateErr.Wait, 120*time.Second)
		require.Less(t, rateErr.Wait, 133*time.Second)
		require.True(t, rateErr.Refused, "the vendor refused the request")
		require.Greater(t, b.client.Pacer().Delay(), 119*time.Second)
	})

	t.Run("ALongPacingWaitIsReturnedNotWaited", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) { _, _ = w.Write([]byte(`{}`)) })
		b.client.Pacer().BlockUntil(time.Now().Add(time.Minute))
		_, err := get(b)
		var rateErr *RateLimitedError
		require.ErrorAs(t, err, &rateErr)
		require.Greater(t, rateErr.Wait, 50*time.Second)
		require.False(t, rateErr.Refused, "no request was refused: the wait is the pacer's")
		require.Zero(t, b.calls.Load(), "nothing is sent while the source is held")
	})

	t.Run("WaitsInlineForAtMostHalfTheDeadline", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) { _, _ = w.Write([]byte(`{}`)) })
		b.client.Pacer().BlockUntil(time.Now().Add(300 * time.Millisecond))

		short, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		_, err := b.client.Do(short, Request{Path: "/things.list"})
		var rateErr *RateLimitedError
		require.ErrorAs(t, err, &rateErr, "a 300 ms wait with 400 ms left goes back to the job")
		require.Zero(t, b.calls.Load())

		long, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = b.client.Do(long, Request{Path: "/things.list"})
		require.NoError(t, err, "with time to spare, the wait is spent inline")
		require.EqualValues(t, 1, b.calls.Load())
	})

	t.Run("RefusesRedirectsToAnotherHost", func(t *testing.T) {
		t.Parallel()
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("the token reached another host: %q", r.Header.Get("Authorization"))
		}))
		t.Cleanup(other.Close)
		b := setup(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/steal", http.StatusFound)
		})
		_, err := get(b)
		require.ErrorContains(t, err, "refused a redirect to another host")
		requireNoSecret(t, err)
		// The API answered, at a wrong URL: no outage, no retry.
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, http.StatusFound, apiErr.Status)
		require.EqualValues(t, 1, b.calls.Load())
	})

	t.Run("RefusesRedirectsFromHTTPSToHTTP", func(t *testing.T) {
		t.Parallel()
		at := func(u string) *http.Request { return httptest.NewRequest(http.MethodGet, u, nil) }
		first := []*http.Request{at("https://api.example/things.list")}
		require.ErrorContains(t, sameHostRedirects(at("http://api.example/things.list"), first), "from https to http")
		require.NoError(t, sameHostRedirects(at("https://api.example/v2/things.list"), first))
		require.NoError(t, sameHostRedirects(at("https://api.example/things.list"), []*http.Request{at("http://api.example/things.list")}), "an upgrade is fine")
	})

	t.Run("RefusedCredentialsArePermanent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, func(c *Config) {
			c.AuthorizeFunc = func(r *http.Request) { r.Header.Set("Authorization", "Bearer wrong-"+testToken) }
		})
		_, err := get(b)
		require.True(t, IsAuthError(err))
		require.Contains(t, err.Error(), "HTTP 401 unauthenticated: bad token")
		requireNoSecret(t, err)
		require.Zero(t, b.calls.Load())
	})

	t.Run("NotFoundIsTyped", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"type":"not_found"}`))
		})
		_, err := get(b)
		require.True(t, IsNotFound(err))
		require.EqualValues(t, 1, b.calls.Load())
	})

	t.Run("A404ThatIsNotTheAPIsIsRetryable", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{"<html><head><title>404 Not Found</title></head></html>", ""} {
			b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(body))
			}, func(c *Config) { c.Attempts = 2 })
			_, err := get(b)
			require.False(t, IsNotFound(err), "body %q proves no record gone", body)
			var retryErr *RetryableError
			require.ErrorAs(t, err, &retryErr, "body %q", body)
			require.EqualValues(t, 2, b.calls.Load(), "body %q is tried again", body)
		}
	})

	t.Run("HTMLWithStatus200IsRetryable", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			_, _ = w.Write([]byte("<html><body>Bad gateway</body></html>"))
		})
		var out map[string]any
		_, err := b.client.GetJSON(context.Background(), Request{Path: "/things.list"}, &out)
		var retryErr *RetryableError
		require.ErrorAs(t, err, &retryErr)
		require.Contains(t, err.Error(), "Bad gateway")
	})

	t.Run("TruncatedAndEmptyBodiesAreRetryable", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{`{"things":[{"id":`, ``} {
			b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) { _, _ = w.Write([]byte(body)) })
			var out map[string]any
			_, err := b.client.GetJSON(context.Background(), Request{Path: "/things.list"}, &out)
			var retryErr *RetryableError
			require.ErrorAs(t, err, &retryErr, "body %q", body)
		}
	})

	t.Run("RefusesOversizedBody", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			_, _ = w.Write([]byte(`"` + strings.Repeat("x", 2048) + `"`))
		}, func(c *Config) { c.MaxBodyBytes = 1024 })
		_, err := get(b)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, "body_too_large", apiErr.Type)
	})

	t.Run("TimesOutSlowResponses", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, func(c *Config) { c.Timeout = 50 * time.Millisecond; c.Attempts = 2 })
		_, err := get(b)
		var retryErr *RetryableError
		require.ErrorAs(t, err, &retryErr)
		require.True(t, errors.Is(err, context.DeadlineExceeded), err.Error())
	})

	t.Run("RejectsRelativeURL", func(t *testing.T) {
		t.Parallel()
		_, err := New(Config{BaseURL: "api.devrev.ai"})
		require.ErrorContains(t, err, "must be absolute")
	})
}

// TestClientKeepsItsConnectionsForTheNextRequests: after as many requests
// at once as a process's batch jobs may have in flight, the next as many
// reuse the connections instead of dialling again (each dial is a TLS
// handshake against a real vendor).
func TestClientKeepsItsConnectionsForTheNextRequests(t *testing.T) {
	t.Parallel()
	const inFlight = 100
	var dials atomic.Int64
	var holding atomic.Bool
	arrived := make(chan struct{}, inFlight)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if holding.Load() {
			arrived <- struct{}{}
			<-release
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	// A stated limit far above what the test sends: requests go at once
	// instead of in a slow start that waits for answers.
	pacer := NewPacer(PacerConfig{Limit: RateLimit{Requests: 1_000_000, Window: time.Second}})
	client, err := New(Config{BaseURL: srv.URL, Pacer: pacer})
	require.NoError(t, err)
	// The pacer lets the others go once a first answer came.
	_, err = client.Do(t.Context(), Request{Path: "/things.list"})
	require.NoError(t, err)
	holding.Store(true)

	// round sends inFlight requests and answers them only once all arrived,
	// so that each holds a connection of its own.
	round := func() {
		errs := make(chan error, inFlight)
		for range inFlight {
			go func() {
				_, err := client.Do(t.Context(), Request{Path: "/things.list"})
				errs <- err
			}()
		}
		for range inFlight {
			<-arrived
		}
		release <- struct{}{} // one answer first, then the rest at once
		for range inFlight - 1 {
			release <- struct{}{}
		}
		for range inFlight {
			require.NoError(t, <-errs)
		}
	}
	round()
	require.EqualValues(t, inFlight, dials.Load())
	round()
	require.EqualValues(t, inFlight, dials.Load(), "the second round dialled again")
}

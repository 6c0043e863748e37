package fakeapi

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLimiter(t *testing.T) {
	t.Parallel()

	setup := func(cfg RateLimit) (*Limiter, *time.Time) {
		now := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
		cfg.NowFunc = func() time.Time { return now }
		return NewLimiter(cfg), &now
	}
	admitted := func(l admitter, n int) int {
		ok := 0
		for range n {
			if l.Admit("k").Allowed {
				ok++
			}
		}
		return ok
	}

	t.Run("NoLimitAllowsEverything", func(t *testing.T) {
		t.Parallel()
		l, _ := setup(RateLimit{})
		require.Equal(t, 1000, admitted(l, 1000))
	})

	t.Run("FixedClockWindowsResetOnTheClock", func(t *testing.T) {
		t.Parallel()
		l, now := setup(RateLimit{Requests: 3, Window: time.Minute})
		require.Equal(t, 3, admitted(l, 5))
		d := l.Admit("k")
		require.False(t, d.Allowed)
		require.Equal(t, 30*time.Second, d.RetryAfter, "until the next whole minute")
		require.Equal(t, 3, admitted(l.withKey(), 3), "per key")
		*now = now.Add(30 * time.Second)
		require.Equal(t, 3, admitted(l, 5))
	})

	t.Run("FixedWindowsFromTheFirstRequest", func(t *testing.T) {
		t.Parallel()
		l, now := setup(RateLimit{Requests: 3, Window: time.Minute, Shape: FixedFromFirst})
		require.Equal(t, 3, admitted(l, 5))
		*now = now.Add(59 * time.Second)
		require.Zero(t, admitted(l, 1), "the window started at the first request")
		*now = now.Add(time.Second)
		require.Equal(t, 3, admitted(l, 5))
	})

	t.Run("SlidingAllowsTheLimitInAnyWindow", func(t *testing.T) {
		t.Parallel()
		l, now := setup(RateLimit{Requests: 4, Window: 10 * time.Second, Shape: Sliding})
		require.Equal(t, 2, admitted(l, 2))
		*now = now.Add(5 * time.Second)
		require.Equal(t, 2, admitted(l, 5))
		*now = now.Add(5 * time.Second)
		require.Equal(t, 2, admitted(l, 5), "the first two left the window")
	})

	t.Run("HeadersTellTheBudget", func(t *testing.T) {
		t.Parallel()
		l, now := setup(RateLimit{Requests: 10, Window: time.Minute})
		h := http.Header{}
		l.Admit("k").SetHeaders(h)
		require.Equal(t, "9", h.Get("X-Ratelimit-Remaining"))
		require.Equal(t, "10", h.Get("X-Ratelimit-Limit"))
		require.Equal(t, strconv.FormatInt(now.Truncate(time.Minute).Add(time.Minute).Unix(), 10), h.Get("X-Ratelimit-Reset"))
	})
}

type admitter interface{ Admit(key string) Decision }

// withKey returns the limiter admitting for another key.
func (l *Limiter) withKey() *keyedLimiter { return &keyedLimiter{l: l, key: "other"} }

type keyedLimiter struct {
	l   *Limiter
	key string
}

func (k *keyedLimiter) Admit(string) Decision { return k.l.Admit(k.key) }

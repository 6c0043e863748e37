package fakeapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFailTakesFaultsInTurn(t *testing.T) {
	t.Parallel()
	s := NewShell(ShellOptions{Faults: Faults{FailureRate: 1}})
	var seqs []int
	fault := func(status int) Fault {
		return func(w http.ResponseWriter, seq int) {
			seqs = append(seqs, seq)
			w.WriteHeader(status)
		}
	}
	var statuses []int
	for range 5 {
		rec := httptest.NewRecorder()
		require.True(t, s.Fail(rec, fault(500), fault(502), fault(503)))
		statuses = append(statuses, rec.Code)
	}
	require.Equal(t, []int{500, 502, 503, 500, 502}, statuses)
	require.Equal(t, []int{1, 2, 3, 4, 5}, seqs)
	require.Equal(t, 5, s.Stats().Failures)

	calm := NewShell(ShellOptions{})
	require.False(t, calm.Fail(httptest.NewRecorder(), fault(500)))
}

func TestAdmitNumbersRefusals(t *testing.T) {
	t.Parallel()
	s := NewShell(ShellOptions{Faults: Faults{RateLimit: 1}})
	require.Zero(t, s.Admit("a").Refused)
	require.Equal(t, 1, s.Admit("a").Refused)
	require.Zero(t, s.Admit("b").Refused, "each key has its own budget")
	s.ResetStats()
	require.Equal(t, 2, s.Admit("b").Refused, "refusals count across keys, whatever the stats")
	require.Equal(t, 1, s.Stats().RateLimited)
}

func TestAccepts(t *testing.T) {
	t.Parallel()
	require.True(t, Accepts("", ""), "no credential configured: anything goes")
	require.True(t, Accepts("", "whatever"))
	require.True(t, Accepts("k", "k"))
	require.False(t, Accepts("k", ""))
	require.False(t, Accepts("k", "K"))
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	require.Empty(t, BearerToken(r), "no header")
	for _, c := range []struct{ header, want string }{
		{"Bearer abc", "abc"},
		{"bearer  abc ", "abc"},
		{"Basic abc", ""},
	} {
		r.Header.Set("Authorization", c.header)
		require.Equal(t, c.want, BearerToken(r), c.header)
	}
}

func TestCloseRunsCleanupsLastFirst(t *testing.T) {
	t.Parallel()
	s := NewShell(ShellOptions{})
	s.Serve(http.NotFoundHandler())
	var order []string
	s.Cleanup(func() { order = append(order, "first") })
	s.Cleanup(func() {
		order = append(order, "second")
		resp, err := http.Get(s.URL())
		require.NoError(t, err, "the server still serves while cleanups run")
		resp.Body.Close()
	})
	s.Close()
	require.Equal(t, []string{"second", "first"}, order)
	_, err := http.Get(s.URL())
	require.Error(t, err, "then it is closed")
	s.Close()
	require.Len(t, order, 2, "a cleanup runs once")
}

func TestArriveCountsThenWaitsTheLatency(t *testing.T) {
	t.Parallel()
	s := NewShell(ShellOptions{Faults: Faults{Latency: 20 * time.Millisecond}})
	start := time.Now()
	require.True(t, s.Arrive("things.list", httptest.NewRequest(http.MethodGet, "/", nil)))
	require.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gaveUp := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	require.False(t, s.Arrive("things.list", gaveUp), "the client gave up: no answer")
	require.Equal(t, Stats{Requests: map[string]int{"things.list": 2}, Total: 2}, s.Stats(), "counted all the same")

	calm := NewShell(ShellOptions{})
	require.True(t, calm.Arrive("things.list", gaveUp), "no latency: nothing to wait for")
}

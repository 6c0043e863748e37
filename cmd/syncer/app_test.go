package main

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/metrics"
)

// TestARefusalPausesTheSourceForOtherProcesses checks that a 429 this
// process waits out inline is still recorded for the other processes
// sharing the source.
func TestARefusalPausesTheSourceForOtherProcesses(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"type":"too_many_requests","retry_after":1}`))
			return
		}
		_, _ = w.Write([]byte(`{"conversations":[]}`))
	}))
	t.Cleanup(api.Close)

	cfg := &config.Config{Sources: []config.Source{{
		Name: "devrev", Kind: "devrev", APIURL: api.URL, Token: config.Secret("devrev-secret-token"),
	}}}
	sources, err := buildSources(cfg, pool, metrics.New(pool), zerolog.Nop())
	require.NoError(t, err)
	_, err = sources.clients["devrev"].ListConversations(t.Context(), fetcher.ConversationQuery{})
	require.NoError(t, err, "a 1-second wait is spent inline")
	require.EqualValues(t, 2, calls.Load())

	reason := dbtest.Value[string](t, pool, "SELECT reason FROM source_pauses WHERE source = 'devrev'")
	require.Contains(t, reason, "rate limited (429)")
	require.NotContains(t, reason, "devrev-secret-token")
}

// TestEveryConnectionReportsItself checks the hook the process uses to
// forget its commits when connections open (after a crash, all do).
func TestEveryConnectionReportsItself(t *testing.T) {
	t.Parallel()
	var opened atomic.Int64
	pool, err := db.Connect(t.Context(), dbtest.NewURL(t), func() { opened.Add(1) })
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.Positive(t, opened.Load(), "the check at start opened one")
	before := opened.Load()
	conns := make([]*pgxpool.Conn, 0, 3)
	for range 3 {
		c, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
	require.Greater(t, opened.Load(), before)
}

package db_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
)

func TestUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("syntax error"), false},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation: a real refusal
		{&pgconn.PgError{Code: "40001"}, false}, // serialization failure: retried elsewhere
		{&pgconn.PgError{Code: "57P01"}, true},
		{&pgconn.PgError{Code: "57P02"}, true},
		{&pgconn.PgError{Code: "57P03"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&pgconn.PgError{Code: "25006"}, true},
		{fmt.Errorf("insert page: %w", refused), true},
		{fmt.Errorf("commit: %w", context.Canceled), false},
		{fmt.Errorf("a page too slow for its job: %w", context.DeadlineExceeded), false},
	} {
		require.Equal(t, tc.want, db.Unavailable(tc.err), "%v", tc.err)
	}
}

func TestHealthRetry(t *testing.T) {
	t.Parallel()
	down := &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}

	t.Run("WaitsThroughAnOutage", func(t *testing.T) {
		t.Parallel()
		var heard []bool
		h := &db.Health{Where: "db:5432/mirror", Grace: time.Minute, OnChange: func(st db.HealthState) { heard = append(heard, st.Up()) }}
		calls := 0
		err := h.Retry(t.Context(), func(context.Context) error {
			if calls++; calls < 3 {
				return fmt.Errorf("begin: %w", down)
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, 3, calls)
		require.Equal(t, []bool{false, true}, heard, "said once when it went, once when it came back")
		require.True(t, h.State().Up())
		require.True(t, h.State().RecentlyDown(time.Minute))
	})

	t.Run("OtherErrorsAreNotRetried", func(t *testing.T) {
		t.Parallel()
		h := &db.Health{Grace: time.Minute}
		calls := 0
		err := h.Retry(t.Context(), func(context.Context) error { calls++; return &pgconn.PgError{Code: "23505"} })
		require.Error(t, err)
		require.Equal(t, 1, calls)
		require.True(t, h.State().Up())
	})

	t.Run("GivesUpPastTheGrace", func(t *testing.T) {
		t.Parallel()
		h := &db.Health{Where: "db:5432/mirror", Grace: 0}
		err := h.Retry(t.Context(), func(context.Context) error { return down })
		var outage *db.OutageError
		require.ErrorAs(t, err, &outage)
		require.Regexp(t, `^the database db:5432/mirror has been unreachable since \d\d:\d\d:\d\d \(0s\): .*starting up.*; giving up`, err.Error())
	})

	t.Run("EndsWithItsContext", func(t *testing.T) {
		t.Parallel()
		h := &db.Health{Grace: time.Hour}
		ctx, cancel := context.WithCancel(t.Context())
		err := h.Retry(ctx, func(context.Context) error { cancel(); return down })
		require.ErrorIs(t, err, down)
	})
}

// TestAPingWithoutAnswerIsAnOutage: a server whose host is gone or cut off
// refuses nothing; the calls that wait for it only time out. A ping that
// gets no answer in time is taken for an outage, which the grace then ends.
func TestAPingWithoutAnswerIsAnOutage(t *testing.T) {
	t.Parallel()
	changed := make(chan db.HealthState, 1)
	h := &db.Health{Grace: 0, OnChange: func(st db.HealthState) { changed <- st }}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var pings atomic.Int64
	go h.Watch(ctx, func(ctx context.Context) error { pings.Add(1); <-ctx.Done(); return ctx.Err() })
	var st db.HealthState
	select {
	case st = <-changed:
	case <-time.After(2 * time.Minute): // three pings give up after 5 s each, 1 s apart
		t.Fatal("no outage heard: a ping without answer was taken for nothing")
	}
	require.False(t, st.Up())
	require.Equal(t, "no answer to 3 pings in a row (5s each)", st.LastError)
	require.Equal(t, int64(3), pings.Load(), "one silent ping is no outage")
	var outage *db.OutageError
	require.ErrorAs(t, h.Exceeded(), &outage)
}

// TestSilentPingsWhileOtherCallsAnswerAreNoOutage: pings that go unanswered
// while the database answers other calls (the pings wait for a login,
// behind a busy PgBouncer, say) do not make it down.
func TestSilentPingsWhileOtherCallsAnswerAreNoOutage(t *testing.T) {
	t.Parallel()
	h := &db.Health{Grace: 0, OnChange: func(st db.HealthState) { t.Errorf("said %+v", st) }}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fourth := make(chan struct{})
	var pings atomic.Int64
	go h.Watch(ctx, func(ctx context.Context) error {
		if pings.Add(1) == db.SilentPings+1 {
			close(fourth)
		}
		h.Observe(nil) // another call, answered
		<-ctx.Done()
		return ctx.Err()
	})
	select {
	case <-fourth: // the third silent ping has been weighed
	case <-time.After(2 * time.Minute):
		t.Fatal("no fourth ping")
	}
	require.True(t, h.State().Up())
	require.NoError(t, h.Exceeded())
}

// TestPingerConnectsAgain: the health check's own connection, broken (the
// server restarted, a failover), is opened again by the next ping.
func TestPingerConnectsAgain(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	p := db.NewPinger(pool.Config().ConnConfig)
	defer p.Close()
	require.NoError(t, p.Ping(t.Context()))
	dbtest.Exec(t, pool, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	err := p.Ping(t.Context())
	require.True(t, db.Unavailable(err), "a broken connection is an outage: %v", err)
	require.NoError(t, p.Ping(t.Context()))
}

// TestThePoolSizeOfTheURLStands: syncer opens up to 20 connections unless
// the URL says how many (behind PgBouncer, under a role's limit).
func TestThePoolSizeOfTheURLStands(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for _, tc := range []struct {
		url  string
		want int32
	}{{url, 20}, {url + sep + "pool_max_conns=5", 5}} {
		pool, err := db.Connect(t.Context(), tc.url, nil)
		require.NoError(t, err)
		require.Equal(t, tc.want, pool.Config().MaxConns, tc.url)
		pool.Close()
	}
}

// TestAnUnknownHostSaysWhy: a database host that does not resolve is said,
// with the lookup that failed, in one line without the password.
func TestAnUnknownHostSaysWhy(t *testing.T) {
	t.Parallel()
	_, err := db.Connect(t.Context(), "postgres://u:pw-s3cret@nosuchhost.invalid:5432/db", nil)
	var unreachable *db.UnreachableError
	require.ErrorAs(t, err, &unreachable)
	require.Contains(t, err.Error(), "lookup nosuchhost.invalid")
	require.NotContains(t, err.Error(), "pw-s3cret")
	require.NotContains(t, err.Error(), "\n")
}

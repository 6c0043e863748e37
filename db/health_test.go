package db_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
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

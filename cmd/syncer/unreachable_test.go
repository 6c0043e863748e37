package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestUnreachableAPI: an API that does not answer is said at once, in the
// log, the progress line, the metrics and status; a foreground backfill
// gives up after SYNCER_UNREACHABLE_TIMEOUT with one line and exit 1.
func TestUnreachableAPI(t *testing.T) {
	t.Parallel()

	t.Run("BackfillGivesUp", func(t *testing.T) {
		t.Parallel()
		env, api := unreachableSource(t, "SYNCER_UNREACHABLE_TIMEOUT=2s")
		res := syncer(t, env, "backfill")
		require.Equal(t, exitFailed, res.code, res.stderr)
		last := lastLine(res.stderr)
		require.Contains(t, last, "syncer backfill: devrev: cannot reach "+api+": ")
		require.Contains(t, last, "connection refused")
		require.Contains(t, last, "run the same command again once it answers")
		require.Contains(t, res.stderr, `"level":"warn"`, "the log says so at once")
		require.Regexp(t, `devrev backfill: .*; cannot reach `+regexp.QuoteMeta(api), res.stderr, "so does the progress line")
		require.NotContains(t, res.stderr, "database unreachable", "the API's refused connections are not the database's")
	})

	t.Run("ACommandWaitingForAnotherPassGivesUp", func(t *testing.T) {
		t.Parallel()
		// The backfill gives up and leaves its pass in flight; a sweep asked
		// for next waits for it to end, and gives up on the API as well.
		env, api := unreachableSource(t, "SYNCER_UNREACHABLE_TIMEOUT=2s")
		require.Equal(t, exitFailed, syncer(t, env, "backfill").code)
		res := syncer(t, env, "sync", "--sweep")
		require.Equal(t, exitFailed, res.code, res.stderr)
		require.Contains(t, res.stderr, "a backfill pass is in flight")
		require.Contains(t, lastLine(res.stderr), "syncer sync: devrev: cannot reach "+api+": ")
	})

	t.Run("ACommandThatWaitedShowsItsPass", func(t *testing.T) {
		t.Parallel()
		// Once the API answers, a sweep finishes the backfill left in
		// flight, then runs its own pass, whose progress it shows.
		env, _ := unreachableSource(t, "SYNCER_UNREACHABLE_TIMEOUT=2s")
		require.Equal(t, exitFailed, syncer(t, env, "backfill").code)
		fake := newFakeDevRev(t, 20, devrevtest.Options{})
		res := syncerOK(t, append(env, "DEVREV_API_URL="+fake.server.URL()), "sync", "--sweep")
		require.Contains(t, res.stderr, "a backfill pass is in flight")
		require.Regexp(t, `devrev sweep: \d+ pages, \d+ rows`, res.stderr)
		requireExact(t, dbURLOf(env), fake.ws)
	})

	t.Run("DaemonShowsIt", func(t *testing.T) {
		t.Parallel()
		env, api := unreachableSource(t)
		_, logs := startDaemon(t, env)
		waitFor(t, "the daemon to log that it cannot reach the API", func() bool {
			return strings.Contains(logs.String(), "devrev: cannot reach "+api)
		})
		addr := regexp.MustCompile(`"http_addr":"([^"]+)"`).FindStringSubmatch(logs.String())
		require.Len(t, addr, 2)
		code, body := httpGet(t, "http://"+addr[1]+"/metrics")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, `syncer_source_up{source="devrev"} 0`)
		code, _ = httpGet(t, "http://"+addr[1]+"/readyz")
		require.Equal(t, http.StatusOK, code, "readiness is about the process and its database")
		waitFor(t, "status to show the source unreachable", func() bool {
			return strings.Contains(syncerOK(t, env, "status").stdout, "unreachable: devrev since")
		})
	})
}

// TestStoppedWhileTheDatabaseDoesNotAnswer: a command stopped (SIGTERM,
// Ctrl-C) while it waits for a database that accepts connections but does
// not answer yet is interrupted, not misconfigured: exit 1, not 2.
func TestStoppedWhileTheDatabaseDoesNotAnswer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if conn, err := ln.Accept(); err == nil {
			accepted <- conn
		}
	}()
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		conn := <-accepted
		defer conn.Close()
		cancel()
	}()
	vars := map[string]string{"DATABASE_URL": "postgres://u@" + ln.Addr().String() + "/x?sslmode=disable", "DEVREV_TOKEN": cliToken}
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"status"}, &stdout, &stderr, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	require.Equal(t, exitFailed, code, stderr.String())
	require.Contains(t, stderr.String(), "stopped while waiting for the database 127.0.0.1:")
}

// dbURLOf is the DATABASE_URL of env.
func dbURLOf(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "DATABASE_URL="); ok {
			return v
		}
	}
	return ""
}

// unreachableSource is the environment of a migrated mirror whose DevRev
// source's API does not answer, with extra settings, and that API's URL.
func unreachableSource(t *testing.T, extra ...string) ([]string, string) {
	t.Helper()
	api := "http://" + fakeapitest.ClosedAddr(t)
	env := append([]string{"DATABASE_URL=" + dbtest.NewURL(t), "DEVREV_TOKEN=" + cliToken, "DEVREV_API_URL=" + api,
		"SYNCER_LOG_FORMAT=json"}, extra...)
	syncerOK(t, env, "migrate")
	return env, api
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

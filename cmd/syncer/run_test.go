package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// lockedBuffer collects a child process's output safely.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDaemon starts `syncer run`; the daemon is killed when the test ends
// unless stopWithin stopped it before.
func startDaemon(t *testing.T, env []string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(binary, "run")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SYNCER_INTERVAL=1s", "SYNCER_HTTP_ADDR=127.0.0.1:0", "SYNCER_ADMIN_ADDR=127.0.0.1:0"}, env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, out
}

// stopWithin sends sig to cmd and returns how it exited; the test fails if
// it has not within grace.
func stopWithin(t *testing.T, cmd *exec.Cmd, sig os.Signal, grace time.Duration, out *lockedBuffer, afterSignal ...func()) error {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(sig))
	for _, f := range afterSignal {
		f()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		t.Fatalf("syncer %s did not stop within %s of %s; output:\n%s", cmd.Args[1], grace, sig, out.String())
		return nil
	}
}

// eventuallyExact waits until the mirror equals the workspace.
func eventuallyExact(t *testing.T, pool *pgxpool.Pool, ws *devrevtest.Workspace, logs *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a hang, not a slow machine
	var diffs []string
	for time.Now().Before(deadline) {
		var err error
		diffs, err = mirrorcheck.Compare(t.Context(), dbq.New(pool), "devrev", mirrorcheck.DevRev(ws.Snapshot()))
		require.NoError(t, err)
		if len(diffs) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("mirror never became exact: %v\nlogs:\n%s", diffs, logs.String())
}

func TestRunDaemon(t *testing.T) {
	t.Parallel()

	fake := newFakeDevRev(t, 60, devrevtest.Options{EmptyPageRate: 0.1, Seed: 8})
	dbURL := dbtest.NewURL(t)
	pool := pgtest.NewPool(t, dbURL)

	// Two daemons share one database, as a scaled-out deployment does.
	first, logs := startDaemon(t, fake.env(dbURL))
	second, logs2 := startDaemon(t, fake.env(dbURL))
	eventuallyExact(t, pool, fake.ws, logs)

	snap := fake.ws.Snapshot()
	fake.ws.EditConversation(snap.Conversations[0].ID, "changed while the daemon runs")
	fake.ws.AddComment(snap.Conversations[1].ID, "late reply", "external")
	fake.ws.AddConversation("created while the daemon runs")
	eventuallyExact(t, pool, fake.ws, logs)

	// The operator's endpoints, on both daemons (they share the work, so
	// each has counted part of it).
	var body string
	for _, l := range []*lockedBuffer{logs, logs2} {
		addr := regexp.MustCompile(`"http_addr":"([^"]+)"`).FindStringSubmatch(l.String())
		require.Len(t, addr, 2, "the daemon logs where it listens; logs:\n%s", l.String())
		get := func(path string) (int, string) {
			resp, err := http.Get("http://" + addr[1] + path)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			return resp.StatusCode, string(b)
		}
		code, _ := get("/healthz")
		require.Equal(t, http.StatusOK, code)
		code, _ = get("/readyz")
		require.Equal(t, http.StatusOK, code)
		code, metrics := get("/metrics")
		require.Equal(t, http.StatusOK, code)
		body += metrics
	}
	for _, want := range []string{
		`syncer_requests_total{endpoint="conversations.list",source="devrev",status="200"}`,
		`syncer_rows_upserted_total{source="devrev",table="messages"}`,
		`syncer_freshness_lag_seconds{source="devrev",stream="conversations"}`,
		`syncer_last_pass_success_timestamp_seconds{source="devrev",stream="conversations"}`,
		`syncer_pass_duration_seconds_count{kind=`,
		`syncer_database_up 1`,
		`syncer_source_up{source="devrev"} 1`,
	} {
		require.Contains(t, body, want)
	}
	requireNoSecret(t, body)

	require.Zero(t, dbtest.Value[int](t, pool,
		"SELECT (SELECT count(*) - count(DISTINCT id) FROM conversations) + (SELECT count(*) - count(DISTINCT id) FROM messages)"))

	for _, d := range []struct {
		cmd  *exec.Cmd
		logs *lockedBuffer
	}{{first, logs}, {second, logs2}} {
		// 40 s: more than the daemon's grace period.
		err := stopWithin(t, d.cmd, syscall.SIGTERM, 40*time.Second, d.logs)
		require.NoError(t, err, "the daemon exits 0 on SIGTERM; logs:\n%s", d.logs.String())
		require.Contains(t, d.logs.String(), "stopped")
		requireNoSecret(t, d.logs.String())
	}
}

func TestCanary(t *testing.T) {
	t.Parallel()

	t.Run("ReportsTheLagAndCleansUp", func(t *testing.T) {
		t.Parallel()
		fake := newFakeDevRev(t, 20, devrevtest.Options{})
		env := fake.env(dbtest.NewURL(t))
		_, logs := startDaemon(t, env)
		res := syncer(t, env, "canary", "--source", "devrev", "--timeout", "60s")
		require.Equal(t, exitOK, res.code, "stderr: %s\ndaemon logs:\n%s", res.stderr, logs.String())
		require.Contains(t, res.stdout, "mirrored end to end in")
		require.Contains(t, res.stderr, "deleted")
		for _, c := range fake.ws.Snapshot().Conversations {
			require.NotContains(t, c.Title, "syncer canary", "the canary is deleted at the source")
		}
	})

	t.Run("FailsWhenNothingMirrorsIt", func(t *testing.T) {
		t.Parallel()
		fake := newFakeDevRev(t, 5, devrevtest.Options{})
		res := syncer(t, fake.env(dbtest.NewURL(t)), "canary", "--source", "devrev", "--timeout", "2s")
		require.Equal(t, exitFailed, res.code)
		require.Contains(t, res.stderr, "did not appear in the mirror within 2s")
		require.Contains(t, res.stderr, "deleted", "the canary is deleted even when the check fails")
	})

	t.Run("NamesAnUnknownSourceAsSuch", func(t *testing.T) {
		t.Parallel()
		fake := newFakeDevRev(t, 1, devrevtest.Options{})
		res := syncer(t, fake.env(dbtest.NewURL(t)), "canary", "--source", "devrve")
		require.Equal(t, exitUsage, res.code)
		require.Contains(t, res.stderr, `unknown source "devrve" (configured: devrev)`)
	})
}

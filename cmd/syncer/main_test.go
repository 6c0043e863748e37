package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/db/migrations"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// binary is the syncer binary built once for these tests: they run it as a
// user would, with real processes, exit codes and signals.
var binary string //nolint:gochecknoglobals // set once in TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "syncer-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "syncer")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build syncer: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const cliToken = "cli-test-token-5up3r-s3cr3t"

type cliResult struct {
	stdout, stderr string
	code           int
}

// syncer runs the binary with exactly the given environment.
func syncer(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SYNCER_HTTP_ADDR=127.0.0.1:0", "SYNCER_ADMIN_ADDR=127.0.0.1:0"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run syncer %v: %v", args, err)
	}
	requireNoSecret(t, res.stdout+res.stderr)
	return res
}

// syncerOK runs the binary like syncer and requires it to succeed.
func syncerOK(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	res := syncer(t, env, args...)
	require.Equal(t, exitOK, res.code, "stderr: %s", res.stderr)
	return res
}

func requireNoSecret(t *testing.T, out string) {
	t.Helper()
	require.NotContains(t, out, cliToken, "a token reached the output")
}

type fakeDevRev struct {
	ws     *devrevtest.Workspace
	server *devrevtest.Server
}

func newFakeDevRev(t *testing.T, conversations int, opts devrevtest.Options) *fakeDevRev {
	t.Helper()
	ws := devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: 9, Conversations: conversations, CommentsPerConversation: 5,
		Start: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
	})
	opts.Token = cliToken
	server := devrevtest.NewServer(ws, opts)
	t.Cleanup(server.Close)
	return &fakeDevRev{ws: ws, server: server}
}

func (f *fakeDevRev) env(dbURL string) []string {
	return []string{"DATABASE_URL=" + dbURL, "DEVREV_TOKEN=" + cliToken, "DEVREV_API_URL=" + f.server.URL(), "SYNCER_LOG_FORMAT=json"}
}

func requireExact(t *testing.T, dbURL string, ws *devrevtest.Workspace) {
	t.Helper()
	diffs, err := mirrorcheck.Compare(t.Context(), dbq.New(pgtest.NewPool(t, dbURL)), "devrev", mirrorcheck.DevRev(ws.Snapshot()))
	require.NoError(t, err)
	require.Empty(t, diffs)
}

func TestUsage(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"NoCommand", nil, nil, "Usage:"},
		{"UnknownCommand", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"NoDatabaseURL", []string{"DEVREV_TOKEN=" + cliToken}, []string{"sync"}, "DATABASE_URL is not set"},
		{"NoSource", []string{"DATABASE_URL=postgres://127.0.0.1:1/x"}, []string{"sync"}, "no source configured: set DEVREV_TOKEN or CHATWOOT_API_TOKEN or CHATWOOT_API_URL or CHATVOLT_API_KEY, or declare sources in --config"},
		{"BadLogLevel", []string{"DATABASE_URL=postgres://127.0.0.1:1/x", "DEVREV_TOKEN=" + cliToken, "SYNCER_LOG_LEVEL=loud"}, []string{"sync"}, `log level "loud"`},
		{"BadFlag", nil, []string{"sync", "--bogus"}, "flag provided but not defined"},
		{"BadSince", nil, []string{"backfill", "--since", "yesterday"}, `--since "yesterday"`},
		{"NegativeGrace", nil, []string{"run", "--shutdown-grace", "-1s"}, "--shutdown-grace -1s: want 0 or more"},
		{"NoDemoConversations", nil, []string{"demo", "--conversations", "0"}, "--conversations 0: want at least 1"},
		{"UnreachableDatabase", []string{"DATABASE_URL=postgres://u:pw-s3cret@127.0.0.1:1/x", "DEVREV_TOKEN=" + cliToken}, []string{"sync"}, "is unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := syncer(t, tc.env, tc.args...)
			require.Equal(t, exitUsage, res.code, "stderr: %s", res.stderr)
			require.Contains(t, res.stdout+res.stderr, tc.want)
			require.NotContains(t, res.stderr, "pw-s3cret")
			if tc.args != nil {
				require.NotContains(t, strings.TrimSpace(res.stderr), "\n", "a mistake is one line")
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()

	t.Run("ConcurrentRunsAllSucceedOnce", func(t *testing.T) {
		t.Parallel()
		dbURL := pgtest.NewDB(t)
		env := []string{"DATABASE_URL=" + dbURL}
		var wg sync.WaitGroup
		results := make([]cliResult, 4)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = syncer(t, env, "migrate")
			}()
		}
		wg.Wait()
		applied := 0
		for _, r := range results {
			require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
			if strings.Contains(r.stdout, "applied") {
				applied++
			}
		}
		require.Equal(t, 1, applied, "exactly one process applies the migrations")
		require.Contains(t, syncer(t, env, "migrate").stdout, "schema is up to date")
	})

	t.Run("DownThenUpAgain", func(t *testing.T) {
		t.Parallel()
		env := []string{"DATABASE_URL=" + pgtest.NewDB(t)}
		syncerOK(t, env, "migrate")
		files, err := fs.Glob(migrations.FS, "*.sql")
		require.NoError(t, err)
		versions := make([]string, len(files))
		for i := range files {
			versions[i] = strconv.Itoa(i + 1)
		}
		require.Contains(t, syncerOK(t, env, "migrate", "--down").stdout, fmt.Sprintf("rolled back %d mirror migrations", len(files)))
		require.Contains(t, syncerOK(t, env, "migrate").stdout, "applied mirror migrations ["+strings.Join(versions, " ")+"]")
	})

	t.Run("CommandsRefuseAnOldSchema", func(t *testing.T) {
		t.Parallel()
		fake := newFakeDevRev(t, 5, devrevtest.Options{})
		res := syncer(t, fake.env(pgtest.NewDB(t)), "sync")
		require.Equal(t, exitUsage, res.code)
		require.Contains(t, res.stderr, "run 'syncer migrate' first")
	})
}

func TestBackfillSyncStatus(t *testing.T) {
	t.Parallel()

	fake := newFakeDevRev(t, 80, devrevtest.Options{EmptyPageRate: 0.2, Seed: 2, Faults: fakeapi.Faults{FailureRate: 0.05}})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)

	res := syncerOK(t, env, "backfill")
	require.Contains(t, res.stderr, "devrev: backfill started")
	require.Contains(t, res.stderr, "done in")
	requireExact(t, dbURL, fake.ws)

	snap := fake.ws.Snapshot()
	fake.ws.EditConversation(snap.Conversations[3].ID, "renamed")
	fake.ws.AddComment(snap.Conversations[4].ID, "new reply", "external")
	fake.ws.AddConversation("fresh one")
	syncerOK(t, env, "sync")
	requireExact(t, dbURL, fake.ws)

	res = syncerOK(t, env, "status")
	require.Contains(t, res.stdout, "devrev  conversations")
	require.Contains(t, res.stdout, "succeeded")
	require.Contains(t, res.stdout, "queue: empty")

	res = syncerOK(t, env, "status", "--json")
	var report statusReport
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &report))
	require.Len(t, report.Streams, 1)
	require.NotNil(t, report.Streams[0].Watermark)
	require.Equal(t, "incremental", report.Streams[0].LastRun.Kind)
	require.Equal(t, "succeeded", report.Streams[0].LastRun.Status)
}

func TestRefusedTokenExitsOne(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 5, devrevtest.Options{})
	env := fake.env(dbtest.NewURL(t))
	env = append(env, "DEVREV_TOKEN=wrong-"+cliToken)
	res := syncer(t, env, "backfill")
	require.Equal(t, exitFailed, res.code, "stderr: %s", res.stderr)
	require.Contains(t, res.stderr, "credentials refused")
}

// TestKilledBackfillResumes kills the backfill with SIGKILL at random moments,
// runs it again each time, and requires the mirror to end exact.
func TestKilledBackfillResumes(t *testing.T) {
	t.Parallel()

	fake := newFakeDevRev(t, 150, devrevtest.Options{EmptyPageRate: 0.1, Seed: 4, Faults: fakeapi.Faults{Latency: 4 * time.Millisecond}})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)
	killAtRandom(t, env, 4, rand.New(rand.NewPCG(1, 2)), 300*time.Millisecond, 700*time.Millisecond, "backfill")
	started := time.Now()
	syncerOK(t, env, "backfill")
	// The dead processes' jobs come back within the liveness window, not after
	// River's stuck-job rescue (an hour); the bound leaves a busy machine
	// room.
	require.Less(t, time.Since(started), 5*time.Minute)
	requireExact(t, dbURL, fake.ws)
	require.Zero(t, dbtest.Value[int](t, pgtest.NewPool(t, dbURL), "SELECT count(*) - count(DISTINCT (source, id)) FROM messages"))
}

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/pgcluster"
)

// killAtRandom starts `syncer args…` and kills it with SIGKILL after a random
// moment, n times in a row.
func killAtRandom(t *testing.T, env []string, n int, rng *rand.Rand, args ...string) {
	t.Helper()
	for range n {
		cmd := exec.Command(binary, args...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(150+rng.IntN(900)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
}

func requireNoDuplicates(t *testing.T, dbURL string) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	var dupes int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) - count(DISTINCT (source, id)) FROM conversations) +
		(SELECT count(*) - count(DISTINCT (source, id)) FROM messages) +
		(SELECT count(*) - count(DISTINCT (source, id)) FROM users)`).Scan(&dupes))
	require.Zero(t, dupes)
}

// TestKilledTwentyTimes kills syncer with SIGKILL at random moments, ten
// times during a backfill and ten during an incremental pass, restarting it
// each time; the mirror must end exact, with no duplicates and no gaps.
func TestKilledTwentyTimes(t *testing.T) {
	t.Parallel()

	fake := newFakeDevRev(t, 250, devrevtest.Options{Latency: 3 * time.Millisecond, EmptyPageRate: 0.1, FailureRate: 0.02, Seed: 4})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)
	rng := rand.New(rand.NewPCG(1, 2))

	killAtRandom(t, env, 10, rng, "backfill")
	res := syncer(t, env, "backfill")
	require.Equal(t, exitOK, res.code, "stderr: %s", res.stderr)
	requireExact(t, dbURL, fake.ws)

	snap := fake.ws.Snapshot()
	for i, c := range snap.Conversations[:30] {
		switch i % 3 {
		case 0:
			fake.ws.AddComment(c.ID, fmt.Sprintf("reply %d", i), "external")
		case 1:
			fake.ws.EditConversation(c.ID, fmt.Sprintf("renamed %d", i))
		case 2:
			fake.ws.SetStage(c.ID, "resolved")
		}
	}
	killAtRandom(t, env, 10, rng, "sync")
	started := time.Now()
	res = syncer(t, env, "sync")
	require.Equal(t, exitOK, res.code, "stderr: %s", res.stderr)
	// The dead processes' jobs come back within the liveness window, not
	// after River's stuck-job rescue (minutes).
	require.Less(t, time.Since(started), time.Minute)
	requireExact(t, dbURL, fake.ws)
	requireNoDuplicates(t, dbURL)
}

// TestInterruptStopsGracefully sends SIGINT (Ctrl-C) and SIGTERM to a
// backfill: it stops within a bounded time, and running it again finishes.
func TestInterruptStopsGracefully(t *testing.T) {
	t.Parallel()

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			// Slow enough that the signal lands mid-backfill.
			fake := newFakeDevRev(t, 400, devrevtest.Options{Latency: 40 * time.Millisecond, Seed: 6})
			dbURL := dbtest.NewURL(t)
			env := fake.env(dbURL)
			cmd := exec.Command(binary, "backfill")
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
			out := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			require.NoError(t, cmd.Start())
			time.Sleep(500 * time.Millisecond)
			require.NoError(t, cmd.Process.Signal(sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				require.Error(t, err, "an interrupted backfill does not claim success")
				require.Contains(t, out.String(), "interrupted")
				require.Contains(t, out.String(), "run the same command again to resume")
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("backfill did not stop within 20 s of %s; output:\n%s", sig, out.String())
			}
			fake.server.ResetStats()
			res := syncer(t, env, "backfill")
			require.Equal(t, exitOK, res.code, "stderr: %s", res.stderr)
			requireExact(t, dbURL, fake.ws)
			// It resumed rather than restarted: the conversations whose
			// messages the interrupted run stored are not read again.
			require.Less(t, fake.server.Stats().Requests["timeline-entries.list"], len(fake.ws.Snapshot().Conversations))
		})
	}
}

// TestDatabaseRestartMidPass stops PostgreSQL under a running daemon and
// brings it back: the daemon waits, reconnects and finishes without help.
func TestDatabaseRestartMidPass(t *testing.T) {
	t.Parallel()
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Fatalf("this test runs its own PostgreSQL: %v", err)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "syncer-dbrestart-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cluster, err := pgcluster.Start(ctx, filepath.Join(dir, "pgdata"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) })
	require.NoError(t, cluster.CreateDatabase(ctx, "mirror"))
	dbURL := cluster.URL("mirror")

	fake := newFakeDevRev(t, 200, devrevtest.Options{Latency: 5 * time.Millisecond, Seed: 12})
	env := fake.env(dbURL)
	require.Equal(t, exitOK, syncer(t, env, "migrate").code)
	daemon, logs := startDaemon(t, env)

	time.Sleep(800 * time.Millisecond)
	require.NoError(t, cluster.Stop(ctx))
	time.Sleep(3 * time.Second) // the database is unreachable meanwhile
	require.NoError(t, cluster.Resume(ctx))

	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	eventuallyExact(t, pool, fake.ws, logs)
	require.Nil(t, daemon.ProcessState, "the daemon is still running")
	requireNoDuplicates(t, dbURL)
}

// TestTokensNeverReachTheDatabase scans every table of a synced mirror for the
// token.
func TestTokensNeverReachTheDatabase(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 20, devrevtest.Options{FailureRate: 0.1, Seed: 1})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)
	require.Equal(t, exitOK, syncer(t, env, "backfill").code)
	bad := append(fake.env(dbURL), "DEVREV_TOKEN=wrong-"+cliToken)
	require.Equal(t, exitFailed, syncer(t, bad, "sync").code)

	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	rows, err := pool.Query(context.Background(), "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, tables, "river_job")
	for _, table := range tables {
		var hits int
		// Table names come from the catalog, quoted.
		require.NoError(t, pool.QueryRow(context.Background(),
			fmt.Sprintf(`SELECT count(*) FROM %q AS t WHERE t::text LIKE '%%' || $1 || '%%'`, table), cliToken).Scan(&hits))
		require.Zero(t, hits, "the token is in table %s", table)
	}
}

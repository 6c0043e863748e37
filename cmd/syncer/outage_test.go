package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/pgcluster"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// privateDB is a PostgreSQL cluster of the test's own, which it may stop
// and start again: never the shared server.
type privateDB struct {
	cluster *pgcluster.Cluster
	url     string
}

func newPrivateDB(t *testing.T) *privateDB {
	t.Helper()
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Fatalf("this test runs its own PostgreSQL: %v", err)
	}
	dir, err := os.MkdirTemp("", "syncer-outage-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cluster, err := pgcluster.Start(t.Context(), filepath.Join(dir, "pgdata"), pgcluster.WithoutFsync())
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) })
	require.NoError(t, cluster.CreateDatabase(t.Context(), "mirror"))
	return &privateDB{cluster: cluster, url: cluster.URL("mirror")}
}

// outage is how the database goes away: for how long, and how.
type outage struct {
	length time.Duration
	// immediate stops the server as a crash would (no checkpoint, recovery
	// at the next start); otherwise fast: connections are killed and open
	// transactions lost.
	immediate bool
}

func (o outage) String() string {
	mode := "Fast"
	if o.immediate {
		mode = "Immediate"
	}
	return fmt.Sprintf("%s%s", mode, o.length)
}

// stop shuts the server down; the outage is over when start returns.
func (p *privateDB) stop(t *testing.T, o outage) time.Time {
	t.Helper()
	stop := p.cluster.Stop
	if o.immediate {
		stop = p.cluster.StopImmediate
	}
	require.NoError(t, stop(context.Background()))
	return time.Now()
}

// startAfter starts the server again once the outage has lasted its
// length, as a failover does: the length is the scenario, not a wait for
// something to happen.
func (p *privateDB) startAfter(t *testing.T, o outage, stopped time.Time) {
	t.Helper()
	time.Sleep(time.Until(stopped.Add(o.length)))
	require.NoError(t, p.cluster.Resume(context.Background()))
}

// startSyncer starts `syncer args…` without waiting for it.
func startSyncer(t *testing.T, env []string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SYNCER_HTTP_ADDR=127.0.0.1:0", "SYNCER_ADMIN_ADDR=127.0.0.1:0"}, env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, out
}

// exitCode waits for cmd and returns its exit code.
func exitCode(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return exitErr.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(3 * time.Minute): // a hang, not a slow machine
		t.Fatalf("syncer %s did not end; output:\n%s", cmd.Args[1], out.String())
		return -1
	}
}

// saysOutage waits until the output says the database is unreachable: the
// log line, and for a foreground command the progress line.
func saysOutage(t *testing.T, out *lockedBuffer, foreground bool) {
	t.Helper()
	waitFor(t, "syncer to say the database is unreachable", func() bool {
		s := out.String()
		said := strings.Contains(s, `"level":"warn"`) && regexp.MustCompile(`"message":"database unreachable since \d\d:\d\d:\d\d, retrying"`).MatchString(s)
		if foreground {
			said = said && regexp.MustCompile(`(?m)^database unreachable since \d\d:\d\d:\d\d, retrying$`).MatchString(s)
		}
		return said
	})
}

// TestDatabaseOutage stops PostgreSQL under a running backfill, sync and
// daemon, for 5 and 30 seconds, fast and as a crash, while pages are being
// fetched: each command waits, writes again what the outage lost, and ends
// exact with exit 0. Past SYNCER_DB_OUTAGE_GRACE a command exits 1 with
// one line.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		command string
		outage  outage
	}{
		{"backfill", outage{5 * time.Second, false}},
		{"backfill", outage{30 * time.Second, true}},
		{"sync", outage{5 * time.Second, true}},
		{"sync", outage{30 * time.Second, false}},
	} {
		t.Run(tc.command+tc.outage.String(), func(t *testing.T) {
			t.Parallel()
			db := newPrivateDB(t)
			fake := newFakeDevRev(t, 300, devrevtest.Options{Seed: 21})
			direct := fake.env(db.url)
			syncerOK(t, direct, "migrate")
			if tc.command == "sync" {
				syncerOK(t, direct, "backfill")
				makeChanges(fake.ws, 120)
			}
			// Conversations' timelines are held once a few were read, so
			// that the outage surely falls in the middle of the pass; they
			// are let through while the database is down, so that pages
			// are fetched and their writes lost.
			gate := newGatedAPI(t, fake.server.Handler(), "timeline-entries", 3)
			env := append(fake.env(db.url), "DEVREV_API_URL="+gate.URL)
			cmd, out := startSyncer(t, env, tc.command)
			waitFor(t, "a timeline request to be held", func() bool { return gate.seen.Load() > 3 })

			stopped := db.stop(t, tc.outage)
			gate.open()
			saysOutage(t, out, true)
			db.startAfter(t, tc.outage, stopped)

			require.Equal(t, exitOK, exitCode(t, cmd, out), out.String())
			require.Contains(t, out.String(), "the database answers again")
			requireExact(t, db.url, fake.ws)
			requireNoDuplicates(t, db.url)
		})
	}

	for _, o := range []outage{{5 * time.Second, false}, {30 * time.Second, true}} {
		t.Run("daemon"+o.String(), func(t *testing.T) {
			t.Parallel()
			db := newPrivateDB(t)
			fake := newFakeDevRev(t, 300, devrevtest.Options{Seed: 22})
			syncerOK(t, fake.env(db.url), "migrate")
			gate := newGatedAPI(t, fake.server.Handler(), "timeline-entries", 3)
			env := append(fake.env(db.url), "DEVREV_API_URL="+gate.URL)
			daemon, logs := startDaemon(t, env)
			waitFor(t, "a timeline request to be held", func() bool { return gate.seen.Load() > 3 })
			addr := waitHTTPAddr(t, logs)

			stopped := db.stop(t, o)
			gate.open()
			saysOutage(t, logs, false)
			code, _ := httpGet(t, "http://"+addr+"/readyz")
			require.Equal(t, http.StatusServiceUnavailable, code, "not ready without its database")
			_, metrics := httpGet(t, "http://"+addr+"/metrics")
			require.Contains(t, metrics, "syncer_database_up 0")
			db.startAfter(t, o, stopped)

			eventuallyExact(t, pgtest.NewPool(t, db.url), fake.ws, logs)
			require.Nil(t, daemon.ProcessState, "the daemon is still running")
			waitFor(t, "the daemon to see the database again", func() bool {
				_, metrics := httpGet(t, "http://"+addr+"/metrics")
				return strings.Contains(metrics, "syncer_database_up 1")
			})
			code, _ = httpGet(t, "http://"+addr+"/readyz")
			require.Equal(t, http.StatusOK, code)
			requireNoDuplicates(t, db.url)
		})
	}

	for _, command := range []string{"backfill", "run"} {
		t.Run(command+"PastTheGraceExitsClearly", func(t *testing.T) {
			t.Parallel()
			db := newPrivateDB(t)
			fake := newFakeDevRev(t, 300, devrevtest.Options{Seed: 23})
			syncerOK(t, fake.env(db.url), "migrate")
			gate := newGatedAPI(t, fake.server.Handler(), "timeline-entries", 3)
			env := append(fake.env(db.url), "DEVREV_API_URL="+gate.URL, "SYNCER_DB_OUTAGE_GRACE=3s", "SYNCER_INTERVAL=1s")
			cmd, out := startSyncer(t, env, command)
			waitFor(t, "a timeline request to be held", func() bool { return gate.seen.Load() > 3 })

			db.stop(t, outage{immediate: true})
			gate.open()
			require.Equal(t, exitFailed, exitCode(t, cmd, out), out.String())
			require.Regexp(t, `^syncer `+command+`: the database 127\.0\.0\.1:\d+/mirror has been unreachable since \d\d:\d\d:\d\d \(\d+s\): .*; giving up`,
				lastLine(out.String()))

			// Nothing was lost: run again once the database is back, it
			// resumes and ends exact.
			require.NoError(t, db.cluster.Resume(context.Background()))
			syncerOK(t, fake.env(db.url), "backfill")
			requireExact(t, db.url, fake.ws)
		})
	}
}

// makeChanges makes n changes, spread over the org: new comments, titles,
// deletes.
func makeChanges(ws *devrevtest.Workspace, n int) {
	convs := ws.Snapshot().Conversations
	picked := make([]devrevtest.SnapConversation, n)
	for i := range picked {
		picked[i] = convs[(i*7)%len(convs)]
	}
	changeInTurn(ws, picked, addReply, addReply, rename, deleteFirstComment)
}

// waitHTTPAddr returns where a running daemon serves /readyz and /metrics.
func waitHTTPAddr(t *testing.T, logs *lockedBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`"http_addr":"([^"]+)"`)
	var addr string
	waitFor(t, "the daemon to say where it serves", func() bool {
		m := re.FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return addr
}

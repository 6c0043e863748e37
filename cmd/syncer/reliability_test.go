package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// killAtRandom starts `syncer args…` and kills it with SIGKILL at a random
// moment from after to after+within (whole milliseconds), n times in a row.
func killAtRandom(t *testing.T, env []string, n int, rng *rand.Rand, after, within time.Duration, args ...string) {
	t.Helper()
	for i := range n {
		cmd := exec.Command(binary, args...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		require.NoError(t, cmd.Start())
		time.Sleep(after + time.Duration(rng.IntN(int(within/time.Millisecond)))*time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		t.Logf("kill %d done", i+1)
	}
}

func requireNoDuplicates(t *testing.T, dbURL string) {
	t.Helper()
	require.Zero(t, dbtest.Value[int](t, pgtest.NewPool(t, dbURL), `SELECT
		(SELECT count(*) - count(DISTINCT (source, id)) FROM conversations) +
		(SELECT count(*) - count(DISTINCT (source, id)) FROM messages) +
		(SELECT count(*) - count(DISTINCT (source, id)) FROM users)`))
	// Each conversation's versions follow each other without gap or
	// overlap, and it has exactly one current version.
	require.Zero(t, dbtest.Value[int](t, pgtest.NewPool(t, dbURL), `SELECT
		(SELECT count(*) FROM (
		    SELECT valid_to IS DISTINCT FROM lead(valid_from) OVER (PARTITION BY source, conversation_id ORDER BY valid_from) AS broken
		    FROM conversation_history) v WHERE broken) +
		(SELECT count(*) FROM conversations c WHERE (SELECT count(*) FROM conversation_history h
		    WHERE h.source = c.source AND h.conversation_id = c.id AND h.valid_to IS NULL) <> 1)`))
}

// TestKilledTwentyTimes kills syncer with SIGKILL at random moments, ten
// times during a backfill and ten during an incremental pass, restarting it
// each time; the mirror must end exact, with no duplicates and no gaps.
func TestKilledTwentyTimes(t *testing.T) {
	t.Parallel()

	fake := newFakeDevRev(t, 250, devrevtest.Options{EmptyPageRate: 0.1, Seed: 4, Faults: fakeapi.Faults{Latency: 3 * time.Millisecond, FailureRate: 0.02}})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)
	rng := rand.New(rand.NewPCG(1, 2))
	defer logUnfinishedJobs(t, dbURL) // deferred, not a cleanup: t.Context() is still live

	killAtRandom(t, env, 10, rng, 150*time.Millisecond, 900*time.Millisecond, "backfill")
	syncerOK(t, env, "backfill")
	requireExact(t, dbURL, fake.ws)
	requireNoDuplicates(t, dbURL)

	changeInTurn(fake.ws, fake.ws.Snapshot().Conversations[:30], addReply, rename, passThroughStages)
	killAtRandom(t, env, 10, rng, 150*time.Millisecond, 900*time.Millisecond, "sync")
	started := time.Now()
	syncerOK(t, env, "sync")
	// The dead processes' jobs come back within the liveness window, not
	// after River's stuck-job rescue (an hour); the bound leaves a busy
	// machine room.
	require.Less(t, time.Since(started), 5*time.Minute)
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
			fake := newFakeDevRev(t, 400, devrevtest.Options{Seed: 6})
			dbURL := dbtest.NewURL(t)
			// The signal lands mid-backfill: after the messages of the
			// first page of conversations are stored, while the listing's
			// next page waits for it.
			api := newGatedAPI(t, fake.server.Handler(), "conversations.list", 1)
			env := append(fake.env(dbURL), "DEVREV_API_URL="+api.URL)
			cmd := exec.Command(binary, "backfill")
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
			out := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			require.NoError(t, cmd.Start())
			pool := pgtest.NewPool(t, dbURL)
			waitFor(t, "the first conversations' messages to be stored", func() bool {
				var n int
				err := pool.QueryRow(t.Context(), "SELECT count(*) FROM conversation_messages_synced").Scan(&n)
				return err == nil && n > 0
			})
			err := stopWithin(t, cmd, sig, 20*time.Second, out, api.open)
			require.Error(t, err, "an interrupted backfill does not claim success")
			require.Contains(t, out.String(), "interrupted")
			require.Contains(t, out.String(), "run the same command again to resume")
			stored := dbtest.Column[string](t, pool, "SELECT id FROM conversation_messages_synced")
			require.NotEmpty(t, stored)
			read := newTimelineRecorder(t, fake.server.Handler())
			syncerOK(t, append(fake.env(dbURL), "DEVREV_API_URL="+read.URL), "backfill")
			requireExact(t, dbURL, fake.ws)
			// It resumed rather than restarted: the conversations whose
			// messages the interrupted run stored are not read again.
			for _, id := range stored {
				require.False(t, read.asked(id), "conversation %s was read again", id)
			}
		})
	}
}

// logUnfinishedJobs logs, when the test failed, the jobs still queued: what
// a hung pass was waiting for.
func logUnfinishedJobs(t *testing.T, dbURL string) {
	if !t.Failed() {
		return
	}
	rows := dbtest.Column[string](t, pgtest.NewPool(t, dbURL), `SELECT concat_ws(' ', id, kind, state, 'attempt', attempt,
		'scheduled', scheduled_at, 'attempted_at', attempted_at, 'by', attempted_by, 'args', args, 'errors', errors)
		FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') ORDER BY id`)
	t.Logf("unfinished jobs at %s:\n%s", time.Now().UTC().Format(time.TimeOnly), strings.Join(rows, "\n"))
	procs := dbtest.Column[string](t, pgtest.NewPool(t, dbURL), `SELECT concat_ws(' ', client_id, heartbeat_at) FROM syncer_processes`)
	t.Logf("processes:\n%s", strings.Join(procs, "\n"))
}

// timelineRecorder serves h and records which conversations' timelines
// were asked for.
type timelineRecorder struct {
	URL     string
	mu      sync.Mutex
	objects map[string]bool
}

func newTimelineRecorder(t *testing.T, h http.Handler) *timelineRecorder {
	r := &timelineRecorder{objects: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "timeline-entries.list") {
			r.mu.Lock()
			r.objects[req.URL.Query().Get("object")] = true
			r.mu.Unlock()
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *timelineRecorder) asked(object string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.objects[object]
}

// TestTokensNeverReachTheDatabase scans every table of a synced mirror for the
// token.
func TestTokensNeverReachTheDatabase(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 20, devrevtest.Options{Seed: 1, Faults: fakeapi.Faults{FailureRate: 0.1}})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)
	syncerOK(t, env, "backfill")
	bad := append(fake.env(dbURL), "DEVREV_TOKEN=wrong-"+cliToken)
	require.Equal(t, exitFailed, syncer(t, bad, "sync").code)

	pool := pgtest.NewPool(t, dbURL)
	tables := dbtest.Column[string](t, pool, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
	require.Contains(t, tables, "river_job")
	for _, table := range tables {
		// Table names come from the catalog, quoted.
		hits := dbtest.Value[int](t, pool, fmt.Sprintf(`SELECT count(*) FROM %q AS t WHERE t::text LIKE '%%' || $1 || '%%'`, table), cliToken)
		require.Zero(t, hits, "the token is in table %s", table)
	}
}

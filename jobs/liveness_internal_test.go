package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestReleaseOrphans: after a database outage, the jobs recorded as
// running in this process that it does not work on (River's answer handing
// them over was lost) go back to the queue; the jobs it works on, those
// taken after the outage and other processes' stay as they are.
func TestReleaseOrphans(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	pool := d.Pool
	l := NewLiveness(d, "me")
	l.orphanDelay = 0

	insert := func(client, takenAgo string) int64 {
		return dbtest.Value[int64](t, pool, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
			VALUES ('{}', 'orphan_test', 8, 'default', 'running', 1, now() - $2::interval, ARRAY[$1::text]) RETURNING id`, client, takenAgo)
	}
	orphan, worked, other := insert("me", "1 minute"), insert("me", "1 minute"), insert("someone-else", "1 minute")
	defer d.working.track(worked)()
	spent := dbtest.Value[int64](t, pool, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
		VALUES ('{}', 'orphan_test', 8, 'default', 'running', 8, now() - interval '1 minute', array_fill('me'::text, ARRAY[13])) RETURNING id`)

	l.releaseOrphans(ctx)
	require.Equal(t, "running", jobState(t, pool, orphan), "no outage, no orphan")

	d.DB.Observe(errors.Join(errors.New("commit"), &netTimeout{}))
	require.False(t, d.DB.State().Up())
	l.releaseOrphans(ctx)
	require.Equal(t, "running", jobState(t, pool, orphan), "not while the database is down")

	d.DB.Observe(nil)
	takenSince := insert("me", "-1 minute") // taken after the outage
	l.releaseOrphans(ctx)
	require.Equal(t, "available", jobState(t, pool, orphan))
	require.Zero(t, dbtest.Value[int](t, pool, "SELECT attempt FROM river_job WHERE id = $1", orphan), "the lost attempt is not counted")
	for _, id := range []int64{worked, other, takenSince} {
		require.Equal(t, "running", jobState(t, pool, id))
	}
	require.Equal(t, "discarded", jobState(t, pool, spent), "handed back uncounted five times, its attempts ran out")
}

// testDeps are the dependencies of jobs of no source, on a database of
// their own.
func testDeps(t *testing.T) *Deps {
	t.Helper()
	return NewDeps(dbtest.NewPool(t), nil, zerolog.Nop(), Timings{})
}

func jobState(t *testing.T, q dbtest.Querier, id int64) string {
	t.Helper()
	return dbtest.Value[string](t, q, "SELECT state::text FROM river_job WHERE id = $1", id)
}

// netTimeout is a network error, as a lost connection gives.
type netTimeout struct{}

func (*netTimeout) Error() string   { return "i/o timeout" }
func (*netTimeout) Timeout() bool   { return true }
func (*netTimeout) Temporary() bool { return true }

// TestAJobThatKillsItsProcessRunsOutOfAttempts: a dead process's job goes
// back to the queue without counting the attempt it lost, but a job handed
// back uncounted five times has its attempts counted: one that takes its
// process down (out of memory, say) must not take every process down in turn
// for ever.
func TestAJobThatKillsItsProcessRunsOutOfAttempts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	pool := d.Pool
	l := NewLiveness(d, "me")
	dbtest.Exec(t, pool, `INSERT INTO syncer_processes (client_id, hostname, pid, heartbeat_at) VALUES ('dead', 'h', 1, now() - interval '1 hour')`)
	insert := func(attempt, takers int) int64 {
		return dbtest.Value[int64](t, pool, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
			VALUES ('{}', 'crash_test', 8, 'default', 'running', $1, now(), array_fill('dead'::text, ARRAY[$2::int])) RETURNING id`, attempt, takers)
	}
	// Attempt 2, taken 2 times (none handed back) and 7 times (five);
	// attempt 2, taken 7 times, snoozed 5 (none handed back).
	first, looping := insert(2, 2), insert(2, 7)
	snoozed := dbtest.Value[int64](t, pool, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by, metadata)
		VALUES ('{}', 'crash_test', 8, 'default', 'running', 2, now(), array_fill('dead'::text, ARRAY[7]), '{"snoozes": 5}') RETURNING id`)
	// A messages job at attempt 8 of 8, taken 13 times (five handed back),
	// reading c1.
	runID, err := dbq.New(pool).CreateRun(ctx, dbq.CreateRunParams{Source: "s", Stream: StreamConversations, Kind: string(PassBackfill)})
	require.NoError(t, err)
	dbtest.Exec(t, pool, `INSERT INTO conversation_messages_synced (source, id, synced_for, read_done_at) VALUES ('s', 'c1', now(), now())`)
	spent := dbtest.Value[int64](t, pool, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by, metadata)
		VALUES (jsonb_build_object('source', 's', 'run_id', $1::bigint, 'targets', jsonb_build_array(jsonb_build_object('id', 'c1'))),
			'sync_messages', 8, 'default', 'running', 8, now(), array_fill('dead'::text, ARRAY[13]),
			jsonb_build_object('source', 's', 'run_id', $1::bigint)) RETURNING id`, runID)
	require.NoError(t, l.release(ctx))
	attempt := func(id int64) int {
		return dbtest.Value[int](t, pool, "SELECT attempt FROM river_job WHERE id = $1", id)
	}
	require.Equal(t, "available", jobState(t, pool, first))
	require.Equal(t, 1, attempt(first), "the attempt a death interrupted is not counted")
	require.Equal(t, "available", jobState(t, pool, looping))
	require.Equal(t, 2, attempt(looping), "after five deaths uncounted, it is")
	require.Equal(t, 1, attempt(snoozed), "snoozes are no deaths")
	// River checks attempts only when a job fails, which one that kills its
	// process never does: handed back, it would run again for ever.
	require.Equal(t, "discarded", jobState(t, pool, spent), "its attempts ran out")
	var why rivertype.AttemptError // as River reads it
	require.NoError(t, json.Unmarshal([]byte(dbtest.Value[string](t, pool, "SELECT errors[cardinality(errors)]::text FROM river_job WHERE id = $1", spent)), &why))
	require.Contains(t, why.Error, "process died", "River UI says why")
	require.Equal(t, 8, why.Attempt)
	require.False(t, why.At.IsZero())
	// Settled as a worker settles a job River gives up on: its run fails,
	// and the read it gave up leaves its conversation behind.
	require.Equal(t, "failed", dbtest.Value[string](t, pool, "SELECT status FROM sync_runs WHERE id = $1", runID))
	require.True(t, dbtest.Value[bool](t, pool, "SELECT synced_for = 'epoch' FROM conversation_messages_synced WHERE id = 'c1'"))
}

// TestAStopThatLeavesJobsRunningHandsThemOver: a process that stops while
// River still records it running jobs (a job that outlived the stop's
// timeout) is taken for dead at once, so that a live process hands its jobs
// back at its next beat rather than River's rescuer an hour later; one that
// stops with none leaves no trace.
func TestAStopThatLeavesJobsRunningHandsThemOver(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	pool := d.Pool
	stop := func(l *Liveness) {
		stopped, cancel := context.WithCancel(ctx)
		cancel()
		l.Run(stopped)
	}
	registered := func(id string) int {
		return dbtest.Value[int](t, pool, "SELECT count(*) FROM syncer_processes WHERE client_id = $1", id)
	}

	clean := NewLiveness(d, "clean")
	clean.Beat(ctx)
	stop(clean)
	require.Zero(t, registered("clean"))

	stranding := NewLiveness(d, "stranding")
	stranding.Beat(ctx)
	job := dbtest.Value[int64](t, pool, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
		VALUES ('{}', 'stop_test', 8, 'default', 'running', 1, now(), ARRAY['stranding']) RETURNING id`)
	stop(stranding)
	require.NoError(t, NewLiveness(d, "live").release(ctx))
	require.Equal(t, "available", jobState(t, pool, job))
	require.Zero(t, dbtest.Value[int](t, pool, "SELECT attempt FROM river_job WHERE id = $1", job), "the attempt the stop cut short is not counted")
}

package jobs_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/jobs"
)

// TestLivenessSharesLearnedRates: a process that joins a source starts at
// the rate another learned from the vendor's throttles, instead of probing
// for it from a slow start.
func TestLivenessSharesLearnedRates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := dbtest.NewPool(t)
	newSource := func() fetcher.Source {
		src, err := chatvolt.NewClient(chatvolt.Config{BaseURL: "http://127.0.0.1:1", APIKey: "k"})
		require.NoError(t, err)
		return src
	}
	first, second := newSource(), newSource()
	_, ok := first.Pacer().LearnedRate()
	require.False(t, ok, "nothing learned before a throttle")

	// The first process learns a rate from a throttle…
	slot, err := first.Pacer().Wait(ctx, time.Second)
	require.NoError(t, err)
	slot.Answered(http.StatusOK, http.Header{})
	slot, err = first.Pacer().Wait(ctx, time.Second)
	require.NoError(t, err)
	slot.Refused(http.Header{}, 0)
	learned, ok := first.Pacer().LearnedRate()
	require.True(t, ok)

	registerProcess(t, newDeps(t, pool, map[string]fetcher.Source{"volt": first}), "first").Beat(ctx)

	// …and the second starts at it, its share of it with two processes.
	registerProcess(t, newDeps(t, pool, map[string]fetcher.Source{"volt": second}), "second")
	got, ok := second.Pacer().LearnedRate()
	require.True(t, ok)
	require.InDelta(t, learned, got, learned*0.05)
}

// registerProcess registers a process named id that works deps' sources, as
// syncer does at start.
func registerProcess(t *testing.T, deps *jobs.Deps, id string) *jobs.Liveness {
	t.Helper()
	l := jobs.NewLiveness(deps, id)
	require.NoError(t, l.Register(t.Context()))
	return l
}

// pinArgs is a job of TestReleasePinsRiversJobTable only.
type pinArgs struct{}

func (pinArgs) Kind() string { return "liveness_pin" }

// pinWorker blocks its first run until released, as a process that died
// mid-job would never answer, and completes the next.
type pinWorker struct {
	river.WorkerDefaults[pinArgs]
	runs             atomic.Int32
	started, release chan struct{}
	done             chan *river.Job[pinArgs] // the run that completed
}

func (w *pinWorker) Work(ctx context.Context, job *river.Job[pinArgs]) error {
	if w.runs.Add(1) == 1 {
		close(w.started)
		select {
		case <-w.release:
		case <-ctx.Done():
		}
		return nil
	}
	w.done <- job
	return nil
}

// TestReleasePinsRiversJobTable pins what Liveness does to River's own
// table: syncer hands a dead process's running job back to the queue by
// updating river_job (state, scheduled_at, attempt, attempted_by) instead
// of waiting for River's rescuer, which waits for the job timeout and more.
// If a River upgrade changes that table or how it picks jobs up, this test
// fails: the job must run again at once, in another process, counted as
// the same attempt.
func TestReleasePinsRiversJobTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewPool(t)
	w := &pinWorker{started: make(chan struct{}), release: make(chan struct{}), done: make(chan *river.Job[pinArgs], 1)}
	newClient := func(id string) *river.Client[pgx.Tx] {
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
			ID: id, Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}}, Workers: workers,
			FetchCooldown: time.Millisecond, FetchPollInterval: 20 * time.Millisecond,
		})
		require.NoError(t, err)
		return c
	}

	// The first process takes the job and stops answering.
	dead := newClient("dead-process")
	registerProcess(t, newDeps(t, pool, nil), "dead-process")
	require.NoError(t, dead.Start(ctx))
	t.Cleanup(func() { close(w.release); _ = dead.StopAndCancel(context.WithoutCancel(ctx)) })
	_, err := dead.Insert(ctx, pinArgs{}, nil)
	require.NoError(t, err)
	<-w.started
	_, err = pool.Exec(ctx, `UPDATE syncer_processes SET heartbeat_at = now() - interval '1 hour' WHERE client_id = 'dead-process'`)
	require.NoError(t, err)

	// Another process's liveness hands the job back; its River runs it.
	alive := newClient("live-process")
	registerProcess(t, newDeps(t, pool, nil), "live-process")
	require.NoError(t, alive.Start(ctx))
	t.Cleanup(func() { _ = alive.Stop(context.WithoutCancel(ctx)) })
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case job := <-w.done:
		require.Equal(t, 1, job.Attempt, "dying was not the job's fault: the attempt is not counted")
		require.Equal(t, "live-process", job.AttemptedBy[len(job.AttemptedBy)-1])
	case <-waitCtx.Done():
		t.Fatal("the released job was not run again")
	}
}

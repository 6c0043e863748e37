package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

// worker is the River worker of one kind of job: each kind is a method of
// Deps, run under a timeout of its own.
type worker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	deps    *Deps
	timeout time.Duration
	work    func(d *Deps, ctx context.Context, job *river.Job[A]) error
}

func (w *worker[A]) Timeout(*river.Job[A]) time.Duration { return w.timeout }

func (w *worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	defer w.deps.working.track(job.ID)()
	return w.work(w.deps, ctx, job)
}

// workingJobs are the jobs this process is working on now: after a
// database outage, a job recorded as running here that is not among them
// was lost on its way (see Liveness.releaseOrphans).
type workingJobs struct {
	mu  sync.Mutex
	ids map[int64]struct{}
}

// track notes that job id is being worked on, until the returned func runs.
func (w *workingJobs) track(id int64) func() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ids == nil {
		w.ids = map[int64]struct{}{}
	}
	w.ids[id] = struct{}{}
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.ids, id)
	}
}

func (w *workingJobs) list() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]int64, 0, len(w.ids))
	for id := range w.ids {
		ids = append(ids, id)
	}
	return ids
}

// addWorkers registers every kind of job. A job that reads pages is bounded
// by pageTimeout; starting the passes of every source, by a minute.
func addWorkers(workers *river.Workers, d *Deps) {
	river.AddWorker(workers, &worker[ConversationsArgs]{deps: d, timeout: pageTimeout, work: (*Deps).syncConversations})
	river.AddWorker(workers, &worker[MessagesArgs]{deps: d, timeout: pageTimeout, work: (*Deps).syncMessages})
	river.AddWorker(workers, &worker[ChatArgs]{deps: d, timeout: pageTimeout, work: (*Deps).syncChats})
	river.AddWorker(workers, &worker[SLATrackerArgs]{deps: d, timeout: pageTimeout, work: (*Deps).syncSLATrackers})
	river.AddWorker(workers, &worker[VerifyConversationArgs]{deps: d, timeout: pageTimeout, work: (*Deps).verifyConversation})
	river.AddWorker(workers, &worker[StartPassesArgs]{deps: d, timeout: time.Minute, work: (*Deps).startPasses})
	river.AddWorker(workers, &worker[RefreshConversationArgs]{deps: d, timeout: pageTimeout, work: (*Deps).refreshConversation})
}

package jobs

import (
	"context"
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
	return w.work(w.deps, ctx, job)
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

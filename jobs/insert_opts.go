package jobs

import (
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// QueueSync is the queue of the jobs that belong to no source (the daemon's
// periodic pass starter).
const QueueSync = river.QueueDefault

// sourceQueue is the queue of a source's jobs. Each source has its own: a
// process works only the queues of the sources it is configured with, so a
// process missing a source never takes (and fails) that source's jobs, and a
// source's backlog never starves another's.
func sourceQueue(source string) string { return "src_" + source }

// activeStates are the states in which a job blocks a duplicate: at most one
// active job per stream (or per conversation to verify), and of the batch
// jobs, none with the very same args. Completed and failed jobs do not
// block, so the next page and the next pass can be queued.
var activeStates = []rivertype.JobState{ //nolint:gochecknoglobals // constant list
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRunning,
	rivertype.JobStateRetryable,
	rivertype.JobStateScheduled,
}

// jobMetadata tags a job with its source and run, so that a command can wait
// for every job of a source and report those of its run.
type jobMetadata struct {
	Source string `json:"source,omitempty"`
	RunID  int64  `json:"run_id,omitempty"`
}

// Job priorities (River works the lowest number first): what a webhook asked
// for goes before a pass's pages, so that a change reaches the mirror in
// seconds even while a backfill fills the queue.
const (
	priorityUrgent = 1
	priorityPass   = 2
)

func insertOpts(source string, runID int64) *river.InsertOpts {
	meta, _ := json.Marshal(jobMetadata{Source: source, RunID: runID})
	return &river.InsertOpts{
		Queue:      sourceQueue(source),
		Metadata:   meta,
		Priority:   priorityPass,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeStates},
	}
}

func insertParams(args river.JobArgs, ref jobRef) river.InsertManyParams {
	opts := insertOpts(ref.source, ref.runID)
	if ref.urgent {
		opts.Priority = priorityUrgent
	}
	return river.InsertManyParams{Args: args, InsertOpts: opts}
}

// uniqueJob is implemented by the job args types with fields tagged
// river:"unique": its unique key, the fields River's unique insert looks at.
type uniqueJob interface {
	river.JobArgs
	uniqueKey() string
}

// dedupeJobs drops jobs whose unique key is already in the list: River
// refuses a batch insert that holds one unique key twice, and a page can ask
// for the same child twice (a conversation listed twice, a quarantined
// conversation that is also open, a page's chats that are also the
// quarantined ones its pass's end retries).
func dedupeJobs(params []river.InsertManyParams) []river.InsertManyParams {
	seen := make(map[string]bool, len(params))
	out := params[:0:0]
	for _, p := range params {
		if key, ok := uniqueKey(p.Args); ok {
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		out = append(out, p)
	}
	return out
}

// uniqueKey is the key River's unique insert gives a job: its kind and its
// fields tagged river:"unique", or, for args without any, all of them.
func uniqueKey(args river.JobArgs) (string, bool) {
	if u, ok := args.(uniqueJob); ok {
		return u.Kind() + "\x00" + u.uniqueKey(), true
	}
	encoded, err := json.Marshal(args)
	if err != nil {
		return "", false // River's insert will say why
	}
	return args.Kind() + "\x00" + string(encoded), true
}

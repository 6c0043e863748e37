package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Outcome is how a source's work ended.
type Outcome struct {
	Source string
	// Failures describe the jobs that failed for good.
	Failures []string
	// Unreachable is set when RunPasses gave up on a source whose API
	// did not answer; its jobs stay queued for the next run.
	Unreachable *UnreachableError
}

// OK reports whether every job succeeded.
func (o Outcome) OK() bool { return len(o.Failures) == 0 && o.Unreachable == nil }

// WaitSource blocks until source has no job left to work, whichever run
// queued it: jobs left over by a crashed process or an earlier run (which a
// new pass's identical jobs were deduplicated into) are part of bringing the
// mirror up to date. It then reports the jobs of source that failed for good
// since since. pollFunc, when set, is called at every poll; an error from it
// ends the wait with that error.
func WaitSource(ctx context.Context, client *river.Client[pgx.Tx], source string, since time.Time, poll time.Duration, pollFunc func() error) (Outcome, error) {
	meta, _ := json.Marshal(jobMetadata{Source: source})
	out := Outcome{Source: source}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	for {
		res, err := client.JobList(ctx, river.NewJobListParams().
			Metadata(string(meta)).
			States(activeStates...).
			First(1))
		if err != nil {
			return out, fmt.Errorf("list jobs of %s: %w", source, err)
		}
		if pollFunc != nil {
			if err := pollFunc(); err != nil {
				return out, err
			}
		}
		if len(res.Jobs) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-ticker.C:
		}
	}

	failed, err := client.JobList(ctx, river.NewJobListParams().
		Metadata(string(meta)).
		States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		OrderBy(river.JobListOrderByTime, river.SortOrderDesc).
		First(100))
	if err != nil {
		return out, fmt.Errorf("list failed jobs of %s: %w", source, err)
	}
	for _, j := range failed.Jobs {
		if j.FinalizedAt != nil && j.FinalizedAt.Before(since) {
			continue
		}
		out.Failures = append(out.Failures, describeFailure(j))
	}
	return out, nil
}

func describeFailure(j *rivertype.JobRow) string {
	msg := "no error recorded"
	if n := len(j.Errors); n > 0 {
		msg = j.Errors[n-1].Error
	}
	return fmt.Sprintf("%s job %d (%s): %s", j.Kind, j.ID, strings.TrimSpace(string(j.EncodedArgs)), msg)
}

package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// RunOutcome is how a run ended.
type RunOutcome struct {
	RunID int64
	// Failures describe the jobs of the run that failed for good.
	Failures []string
}

// OK reports whether every job of the run succeeded.
func (o RunOutcome) OK() bool { return len(o.Failures) == 0 }

// WaitRun blocks until no job of the run is left to work, then reports the
// jobs that failed for good. progressFunc, when set, is called at every poll.
func WaitRun(ctx context.Context, client *river.Client[pgx.Tx], runID int64, poll time.Duration, progressFunc func()) (RunOutcome, error) {
	meta, _ := json.Marshal(runMetadata{RunID: runID})
	out := RunOutcome{RunID: runID}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	for {
		res, err := client.JobList(ctx, river.NewJobListParams().
			Metadata(string(meta)).
			States(activeStates...).
			First(1))
		if err != nil {
			return out, fmt.Errorf("list jobs of run %d: %w", runID, err)
		}
		if progressFunc != nil {
			progressFunc()
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
		First(100))
	if err != nil {
		return out, fmt.Errorf("list failed jobs of run %d: %w", runID, err)
	}
	for _, j := range failed.Jobs {
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

// ErrRunFailed is returned for a run that ended with failed jobs.
var ErrRunFailed = errors.New("run failed")

package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// MaxAttempts is how many times a failing job runs before it is discarded and
// its run marked failed. With RetryPolicy that spans about ten minutes:
// enough to ride out a vendor's bad spell, short enough that `syncer sync`
// reports a broken source in reasonable time. Rate limits do not count.
const MaxAttempts = 8

// RetryPolicy retries failed jobs after 1s, 2s, 4s… (with jitter) up to five
// minutes. River's default (attempt⁴ seconds, 25 attempts) is made for
// jobs that may wait days; a sync page should not.
type RetryPolicy struct{}

// NextRetry implements river.ClientRetryPolicy.
func (RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(retryDelay(len(job.Errors) + 1))
}

func retryDelay(failures int) time.Duration {
	d := time.Second << min(failures-1, 16)
	d = min(d, 5*time.Minute)
	return d + time.Duration(rand.Int64N(int64(d/4)+1))
}

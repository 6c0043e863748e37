package chatvolt

import (
	"net/http"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// statusLaravelRateLimited is the non-standard status ("Page Expired" in
// Laravel) that Chatvolt is reported to answer instead of 429 at times.
const statusLaravelRateLimited = 419

// Chatvolt documents no rate limit and sends no Retry-After: the client backs
// off exponentially instead.
const (
	// firstBackoff is the wait after the first rate-limited response of a
	// storm.
	firstBackoff = 5 * time.Second
	// maxBackoff caps the wait; a third-party note reports 60-second windows.
	maxBackoff = 2 * time.Minute
	// quietPeriod is how long the source must go without a rate-limited
	// response, after its last wait ended, for the next one to start a new
	// storm at firstBackoff.
	quietPeriod = time.Minute
)

// rateBackoff is the backoff state shared by every worker of one source (it
// lives in the Client, which the workers share): each rate-limited response of
// a storm doubles the wait, from firstBackoff to maxBackoff, and a quiet
// minute after the last wait forgets the storm. Responses that were already
// in flight when a wait began, and come back rate limited before it ends, wait
// for the same end instead of doubling it. The shared fetcher client adds
// jitter to every wait and holds the source's pacer until it is over.
type rateBackoff struct {
	mu      sync.Mutex
	streak  int       // rate-limited responses in the current storm
	waitEnd time.Time // when the current wait is over

	nowFunc func() time.Time // the clock, for tests; nil: the response's time
}

// next returns how long to wait after a rate-limited response received at
// now, given the vendor's own wait (zero when it sent none).
func (b *rateBackoff) next(now time.Time, vendorWait time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.waitEnd) {
		// Sent before the wait began: the storm already counted it.
		return max(b.waitEnd.Sub(now), vendorWait)
	}
	if !now.Before(b.waitEnd.Add(quietPeriod)) {
		b.streak = 0
	}
	d := maxBackoff
	if b.streak < 16 { // 5s << 5 is already past the cap
		d = min(firstBackoff<<b.streak, maxBackoff)
	}
	b.streak++
	d = max(d, vendorWait)
	b.waitEnd = now.Add(d)
	return d
}

// retryAfter is the fetcher.Config.RetryAfterFunc of a Chatvolt client: the
// larger of the Retry-After header, if Chatvolt ever sends one, and the
// shared exponential backoff.
func (b *rateBackoff) retryAfter(resp *http.Response, body []byte, now time.Time) time.Duration {
	if b.nowFunc != nil {
		now = b.nowFunc()
	}
	return b.next(now, fetcher.RetryAfterHeader(resp, body, now))
}

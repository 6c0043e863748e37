package fetcher

import (
	"context"
	"sync/atomic"
)

// RequestStats counts the requests made on behalf of one unit of work (a job),
// so it can report them without sharing counters between jobs.
type RequestStats struct {
	Requests    atomic.Int64
	RateLimited atomic.Int64
}

type statsKey struct{}

// WithStats returns a context whose requests are counted in s.
func WithStats(ctx context.Context, s *RequestStats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

func statsFrom(ctx context.Context) *RequestStats {
	s, _ := ctx.Value(statsKey{}).(*RequestStats)
	return s
}

func (s *RequestStats) addRequest() {
	if s != nil {
		s.Requests.Add(1)
	}
}

func (s *RequestStats) addRateLimited() {
	if s != nil {
		s.RateLimited.Add(1)
	}
}

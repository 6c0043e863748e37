package main

import (
	"context"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// memoryResult is the backfill's peak RSS at two history sizes: a bounded
// process has the same peak at both.
type memoryResult struct {
	Points []memoryPoint `json:"points"`
	// Growth is the peak at the larger size over the peak at the smaller.
	Growth float64 `json:"growth"`
	// HeapGrowth is the same for the peak live Go heap: what the process
	// holds, without the garbage and unreturned memory that RSS counts and
	// that vary with how busy the machine is.
	HeapGrowth float64 `json:"heap_growth"`
}

type memoryPoint struct {
	Conversations     int     `json:"conversations"`
	Messages          int64   `json:"messages"`
	Seconds           float64 `json:"seconds"`
	PeakRSSBytes      int64   `json:"peak_rss_bytes"`
	PeakLiveHeapBytes int64   `json:"peak_live_heap_bytes"`
}

// memoryScenario backfills size/4 conversations and sets its peak RSS beside
// the main backfill's (size conversations), which it does not run again.
func (b *bench) memoryScenario(ctx context.Context, full *backfillResult) (*memoryResult, error) {
	m, err := b.newMirror(ctx, "memory", b.opts.Size/4, devrevtest.Options{})
	if err != nil {
		return nil, err
	}
	defer b.closeMirror(m)
	small, err := b.measureBackfill(ctx, m, passSpec{Label: "memory", Processes: 1, Workers: b.opts.Workers})
	if err != nil {
		return nil, err
	}
	res := &memoryResult{Points: []memoryPoint{pointOf(small), pointOf(full)}}
	if small.Pass.PeakRSSBytes > 0 {
		res.Growth = float64(full.Pass.PeakRSSBytes) / float64(small.Pass.PeakRSSBytes)
	}
	if small.Pass.PeakLiveHeapBytes > 0 {
		res.HeapGrowth = float64(full.Pass.PeakLiveHeapBytes) / float64(small.Pass.PeakLiveHeapBytes)
	}
	return res, nil
}

func pointOf(r *backfillResult) memoryPoint {
	return memoryPoint{
		Conversations: r.Conversations, Messages: r.Messages, Seconds: r.Pass.Seconds,
		PeakRSSBytes: r.Pass.PeakRSSBytes, PeakLiveHeapBytes: r.Pass.PeakLiveHeapBytes,
	}
}

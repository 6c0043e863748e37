package main

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// latencyResult is a backfill from an API that takes LatencyMS to answer,
// with one worker and with the default: concurrency, not serial waiting,
// should set the pace.
type latencyResult struct {
	LatencyMS     float64      `json:"latency_ms"`
	Conversations int          `json:"conversations"`
	Runs          []latencyRun `json:"runs"`
	// SpeedUp is the one-worker time over the default's.
	SpeedUp float64 `json:"speed_up"`
}

type latencyRun struct {
	Pass           passResult `json:"pass"`
	RequestsPerSec float64    `json:"requests_per_sec"`
	// SerialSeconds is requests × latency: the time waiting for the API one
	// request at a time would take.
	SerialSeconds float64 `json:"serial_seconds"`
}

// latencyScenario backfills size/20 conversations from a fake with --latency
// added to every response, with SYNCER_WORKERS=1 and with the default.
func (b *bench) latencyScenario(ctx context.Context) (*latencyResult, error) {
	res := &latencyResult{LatencyMS: float64(b.opts.Latency.Milliseconds()), Conversations: b.opts.Size / 20}
	for _, workers := range []int{1, 0} {
		label := "latency_w" + workersName(workers)
		m, err := b.newMirror(ctx, label, res.Conversations, devrevtest.Options{Faults: fakeapi.Faults{Latency: b.opts.Latency}})
		if err != nil {
			return res, err
		}
		bf, err := b.measureBackfill(ctx, m, passSpec{Label: label, Processes: 1, Workers: workers})
		b.closeMirror(m)
		if err != nil {
			return res, err
		}
		res.Runs = append(res.Runs, latencyRun{
			Pass:           bf.Pass,
			RequestsPerSec: float64(bf.Pass.Requests) / bf.Pass.Seconds,
			SerialSeconds:  float64(bf.Pass.Requests) * b.opts.Latency.Seconds(),
		})
	}
	res.SpeedUp = res.Runs[0].Pass.Seconds / res.Runs[1].Pass.Seconds
	b.progressf("latency: %.1fx faster with the default workers than with one", res.SpeedUp)
	return res, nil
}

// workersName is how a SYNCER_WORKERS setting is shown; 0 is the default.
func workersName(workers int) string {
	if workers == 0 {
		return "default"
	}
	return fmt.Sprint(workers)
}

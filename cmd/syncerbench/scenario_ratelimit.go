package main

import (
	"context"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// rateLimitResult is how close backfills come to a rate limit of Limit
// requests per WindowSeconds without being refused, in one process and in
// several sharing the token.
type rateLimitResult struct {
	Limit         int            `json:"limit"`
	WindowSeconds float64        `json:"window_seconds"`
	LimitPerSec   float64        `json:"limit_per_sec"`
	Conversations int            `json:"conversations"`
	Runs          []rateLimitRun `json:"runs"`
}

type rateLimitRun struct {
	Pass passResult `json:"pass"`
	// AdmittedPerSec is the requests the API served (not refused with 429)
	// over the wall time, process start-up included; APIAdmittedPerSec over
	// the time from the first request to the last. A 429 is not throughput.
	AdmittedPerSec    float64 `json:"admitted_per_sec"`
	APIAdmittedPerSec float64 `json:"api_admitted_per_sec"`
	// OfLimit and APIOfLimit are those rates as a fraction of the limit: the
	// target is ≥ 0.9.
	OfLimit    float64 `json:"of_limit"`
	APIOfLimit float64 `json:"api_of_limit"`
	// Share429 is the fraction of responses that were 429: the target is
	// < 0.01.
	Share429 float64 `json:"share_429"`
	// BudgetUsed is the share of each window's budget the backfill used,
	// over the BudgetWindows windows from its first request's to the one
	// before its last: the target is ≥ 0.9. Rates over the wall time
	// (OfLimit) overstate a short run: one whose first request falls late
	// in a window gets that window's whole budget at once.
	BudgetUsed    float64 `json:"budget_used"`
	BudgetWindows int     `json:"budget_windows"`
}

// rateLimitScenario backfills size/10 conversations from a fake that allows
// --rate requests per --rate-window, each time in a fresh database: with one
// process; with two started at once (both start the pass: the race a user
// running two backfills meets); and with two where the second joins the
// pass once the first is under way.
func (b *bench) rateLimitScenario(ctx context.Context) (*rateLimitResult, error) {
	res := &rateLimitResult{
		Limit: b.opts.Rate, WindowSeconds: b.opts.RateWindow.Seconds(), Conversations: b.opts.Size / 10,
	}
	res.LimitPerSec = float64(res.Limit) / res.WindowSeconds
	specs := []passSpec{
		{Label: "ratelimit_1p", Processes: 1},
		{Label: "ratelimit_2p", Processes: 2},
		{Label: "ratelimit_2p_join", Processes: 2, Join: true},
	}
	for _, spec := range specs {
		m, err := b.newMirror(ctx, spec.Label, res.Conversations, devrevtest.Options{Faults: fakeapi.Faults{RateLimit: b.opts.Rate, RateWindow: b.opts.RateWindow}})
		if err != nil {
			return res, err
		}
		bf, err := b.measureBackfill(ctx, m, spec)
		used, windows := m.API.budgetUsed(b.opts.RateWindow, b.opts.Rate)
		b.closeMirror(m)
		if err != nil {
			return res, err
		}
		run := rateLimitRun{Pass: bf.Pass, BudgetUsed: used, BudgetWindows: windows}
		admitted := float64(bf.Pass.Requests - bf.Pass.RateLimited)
		run.AdmittedPerSec = admitted / bf.Pass.Seconds
		if bf.Pass.APISeconds > 0 {
			run.APIAdmittedPerSec = admitted / bf.Pass.APISeconds
		}
		run.OfLimit = run.AdmittedPerSec / res.LimitPerSec
		run.APIOfLimit = run.APIAdmittedPerSec / res.LimitPerSec
		if bf.Pass.Requests > 0 {
			run.Share429 = float64(bf.Pass.RateLimited) / float64(bf.Pass.Requests)
		}
		b.progressf("%s: %.0f%% of the budget of %d windows used, %.0f admitted requests/s (%.0f%% of the limit), %.2f%% 429s",
			spec.Label, 100*run.BudgetUsed, run.BudgetWindows, run.AdmittedPerSec, 100*run.OfLimit, 100*run.Share429)
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}

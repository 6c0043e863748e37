package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// vendorsResult is every vendor's backfill under rate limits of several
// shapes, told or not, and what an incremental pass costs per changed
// conversation after deletes and edits at every depth.
type vendorsResult struct {
	Runs    []vendorRun    `json:"runs"`
	Changes []vendorChange `json:"changes"`
}

// vendorRun is one backfill of one vendor under one limit.
type vendorRun struct {
	Vendor        string     `json:"vendor"`
	Limit         string     `json:"limit"`
	LimitPerSec   float64    `json:"limit_per_sec"`
	Conversations int        `json:"conversations"`
	Pass          passResult `json:"pass"`
	// RequestsPerConversation counts every request, refused ones too.
	RequestsPerConversation float64 `json:"requests_per_conversation"`
	// Used is the share of each window's budget the requests used, over
	// Windows windows (see requestClock.budgetUsed).
	Used    float64 `json:"used"`
	Windows int     `json:"windows"`
	// Throttled is the share of requests refused (429 or 419).
	Throttled float64 `json:"throttled"`
	// BudgetSeconds is what the admitted requests take at the limit's rate:
	// the fastest the backfill could be.
	BudgetSeconds float64 `json:"budget_seconds"`
	Exact         bool    `json:"exact"`
}

// vendorChange is `syncer sync` after deletes and edits at every depth.
type vendorChange struct {
	Vendor    string     `json:"vendor"`
	Changed   int        `json:"changed_conversations"`
	Unchanged passResult `json:"unchanged"`
	Sync      passResult `json:"sync"`
	// ExtraRequestsPerChange is what the changes cost over the pass with
	// nothing changed, per changed conversation.
	ExtraRequestsPerChange float64 `json:"extra_requests_per_change"`
	Exact                  bool    `json:"exact"`
}

// vendorCase is a backfill to measure: a vendor, a size and a limit.
type vendorCase struct {
	Vendor        vendorKind
	Conversations int
	Limit         limitSpec
	// Changes runs the incremental measure on this case's mirror.
	Changes bool
}

// vendorCases are the backfills the scenario measures. Windows of a second
// at 40 requests a second, the limit the issue measured Chatvolt at (its
// windows of unknown alignment, Chatwoot's on the clock as rack-attack's
// are), with and without rate headers, told and not; and windows of a
// minute, whose budget can go in a burst, for the two vendors that send no
// headers. Sizes make every run span at least three windows, and the runs
// in windows of a second, but the one the issue measured, twenty and more.
func vendorCases() []vendorCase {
	kinds := map[string]vendorKind{}
	for _, k := range vendorKinds() {
		kinds[k.Name] = k
	}
	second := func(shape fakeapi.Shape) limitSpec {
		return limitSpec{Requests: 40, Window: time.Second, Shape: shape}
	}
	minute := func(shape fakeapi.Shape) limitSpec {
		return limitSpec{Requests: 600, Window: time.Minute, Shape: shape}
	}
	withHeaders := second(fakeapi.FixedClock)
	withHeaders.Headers = true
	told := second(fakeapi.FixedFromFirst)
	told.Told = true
	return []vendorCase{
		{Vendor: kinds["chatvolt"], Conversations: 250, Limit: second(fakeapi.FixedFromFirst), Changes: true},
		{Vendor: kinds["chatvolt"], Conversations: 250, Limit: told},
		{Vendor: kinds["chatvolt"], Conversations: 250, Limit: withHeaders},
		{Vendor: kinds["chatvolt"], Conversations: 1000, Limit: minute(fakeapi.FixedFromFirst)},
		{Vendor: kinds["chatvolt"], Conversations: 1000, Limit: second(fakeapi.FixedClock)},
		{Vendor: kinds["chatwoot"], Conversations: 1000, Limit: second(fakeapi.FixedClock), Changes: true},
		{Vendor: kinds["chatwoot"], Conversations: 1000, Limit: withHeaders},
		{Vendor: kinds["chatwoot"], Conversations: 1800, Limit: minute(fakeapi.FixedClock)},
		{Vendor: kinds["devrev"], Conversations: 800, Limit: withHeaders, Changes: true},
	}
}

// limitName says what a limit is, for the tables.
func limitName(l limitSpec) string {
	parts := []string{fmt.Sprintf("%d/%s %s", l.Requests, l.Window, l.Shape)}
	if l.Headers {
		parts = append(parts, "headers")
	}
	if l.Told {
		parts = append(parts, "told")
	}
	return strings.Join(parts, ", ")
}

// vendorsScenario runs every vendor case.
func (b *bench) vendorsScenario(ctx context.Context) (*vendorsResult, error) {
	res := &vendorsResult{}
	for i, vc := range vendorCases() {
		if len(b.opts.Vendors) > 0 && !slices.Contains(b.opts.Vendors, vc.Vendor.Name) {
			continue
		}
		label := fmt.Sprintf("vendors_%d_%s", i+1, vc.Vendor.Name)
		run, change, err := b.vendorCase(ctx, label, vc)
		res.Runs = append(res.Runs, run)
		if change != nil {
			res.Changes = append(res.Changes, *change)
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", label, err)
		}
	}
	return res, nil
}

// vendorCase backfills one case and, when asked, measures its changes.
func (b *bench) vendorCase(ctx context.Context, label string, vc vendorCase) (vendorRun, *vendorChange, error) {
	run := vendorRun{Vendor: vc.Vendor.Name, Limit: limitName(vc.Limit), LimitPerSec: vc.Limit.perSec(), Conversations: vc.Conversations}
	b.progressf("%s: %d conversations, limit %s", label, vc.Conversations, run.Limit)
	m, err := b.serveMirror(ctx, label, vc.Conversations, vc.Vendor.New(b.opts.Seed, vc.Conversations, vc.Limit, randomToken()))
	if err != nil {
		return run, nil, err
	}
	defer b.closeMirror(m)
	if run.Pass, err = b.runPass(ctx, m, passSpec{Label: label, Command: "backfill", Processes: 1}); err != nil {
		return run, nil, err
	}
	p := run.Pass
	run.RequestsPerConversation = float64(p.Requests) / float64(vc.Conversations)
	run.Used, run.Windows = m.API.clock.budgetUsed(vc.Limit.Window, vc.Limit.Requests, vc.Limit.Shape == fakeapi.FixedFromFirst)
	if p.Requests > 0 {
		run.Throttled = float64(p.RateLimited) / float64(p.Requests)
	}
	run.BudgetSeconds = float64(p.Requests-p.RateLimited) / vc.Limit.perSec()
	b.progressf("%s: %.1f s (budget %.1f s), %d requests (%.2f a conversation), %.0f%% of the limit used over %d windows, %.2f%% throttled; admitted per window: %v",
		label, p.Seconds, run.BudgetSeconds, p.Requests, run.RequestsPerConversation, 100*run.Used, run.Windows, 100*run.Throttled,
		m.API.clock.perWindow(vc.Limit.Window, vc.Limit.Shape == fakeapi.FixedFromFirst))
	if err := b.checkExact(ctx, m, label); err != nil {
		return run, nil, err
	}
	run.Exact = true
	if !vc.Changes {
		return run, nil, nil
	}
	change, err := b.vendorChanges(ctx, label, m)
	return run, change, err
}

// vendorChanges measures `syncer sync` with nothing changed, then after
// deletes and edits at every depth of one conversation in fifty.
func (b *bench) vendorChanges(ctx context.Context, label string, m *mirror) (*vendorChange, error) {
	c := &vendorChange{Vendor: m.Source()}
	var err error
	if c.Unchanged, err = b.runPass(ctx, m, passSpec{Label: label + "-unchanged", Command: "sync", Processes: 1}); err != nil {
		return c, err
	}
	c.Changed = m.API.Vendor.ChangeMessages(50)
	if c.Sync, err = b.runPass(ctx, m, passSpec{Label: label + "-changed", Command: "sync", Processes: 1}); err != nil {
		return c, err
	}
	if c.Changed > 0 {
		c.ExtraRequestsPerChange = float64(c.Sync.Requests-c.Unchanged.Requests) / float64(c.Changed)
	}
	b.progressf("%s: sync after %d conversations changed: %d requests (%d with nothing changed), %.2f more per change",
		label, c.Changed, c.Sync.Requests, c.Unchanged.Requests, c.ExtraRequestsPerChange)
	if err := b.checkExact(ctx, m, label+" after sync"); err != nil {
		return c, err
	}
	c.Exact = true
	return c, nil
}

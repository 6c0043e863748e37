package main

import (
	"fmt"
	"io"
)

// The targets.
const (
	minCopyRatio      = 0.5   // syncer's backfill rate over COPY's
	maxBareTimeRatio  = 1.5   // the backfill's time over the bare COPY's
	maxPeakRSS        = 200e6 // bytes
	maxRSSGrowth      = 1.25  // peak at 4x the history over the peak at 1x
	maxUnchangedLists = 2     // conversations.list requests of a pass with nothing changed
	maxUnchangedSecs  = 1.0
	minOfLimit        = 0.9
	max429Share       = 0.01
	maxThrottled      = 0.02 // refused requests of a vendor backfill
)

// target is one of the targets with the value measured.
type target struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Met   bool   `json:"met"`
}

// targets checks the results against the targets; scenarios not run
// have none.
func targets(res *results) []target {
	var l targetList
	if n := len(res.BareTimeRatios); n > 0 {
		l.add(fmt.Sprintf("backfill ≤ 1.5× bare COPY (median of %d)", n), res.MedianBareTimeRatio <= maxBareTimeRatio,
			"%.2fx (%s)", res.MedianBareTimeRatio, timesList(res.BareTimeRatios))
		l.add(fmt.Sprintf("backfill ≥ 0.5 of the all-tables COPY rate (median of %d)", n), res.MedianCopyRatio >= minCopyRatio,
			"%.2f (%s); the backfill takes %.2fx the all-tables COPY", res.MedianCopyRatio, ratioList(res.CopyRatios), res.MedianTimeRatio)
	}
	if r := res.Backfill; r != nil {
		l.add("mirror exact after backfill", r.Exact, "%s", exactWord(r.Exact))
		l.add(fmt.Sprintf("backfill peak RSS < 200 MB at %d conversations", r.Conversations), r.Pass.PeakRSSBytes > 0 && r.Pass.PeakRSSBytes < maxPeakRSS, "%s", megabytes(r.Pass.PeakRSSBytes))
	}
	if r := res.Memory; r != nil {
		l.add("peak RSS does not grow with history (4x history)", r.Growth > 0 && r.Growth <= maxRSSGrowth,
			"%.2fx (live heap %.2fx)", r.Growth, r.HeapGrowth)
	}
	if r := res.Incremental; r != nil {
		l.incremental(r)
	}
	if r := res.RateLimit; r != nil {
		l.rateLimit(r)
	}
	if r := res.Vendors; r != nil {
		l.vendors(r)
	}
	if r := res.Webhooks; r != nil {
		l.add("webhooks: every change mirrored, exact", r.Exact, "%s", exactWord(r.Exact))
		l.add("webhooks: lag p50 < 1 s", r.Lag.Count > 0 && r.Lag.P50 < 1, "%.2f s (new comments seen: %.2f s)", r.Lag.P50, r.Seen.P50)
		l.add("webhooks: lag p95 < 5 s", r.Lag.Count > 0 && r.Lag.P95 < 5, "%.2f s (new comments seen: %.2f s)", r.Lag.P95, r.Seen.P95)
	}
	if r := res.Latency; r != nil && len(r.Runs) == 2 {
		// Not serial waiting: with the default workers the backfill takes
		// much less than its requests one after the other would.
		def := r.Runs[1]
		l.add("latency: default workers beat serial waiting", def.Pass.Seconds < def.SerialSeconds/2,
			"%.1f s vs %.1f s serial; %.1fx over 1 worker", def.Pass.Seconds, def.SerialSeconds, r.SpeedUp)
	}
	return l
}

// targetList collects the targets of a run's scenarios.
type targetList []target

func (l *targetList) add(name string, met bool, format string, args ...any) {
	*l = append(*l, target{Name: name, Value: fmt.Sprintf(format, args...), Met: met})
}

func (l *targetList) incremental(r *incrementalResult) {
	lists := r.Unchanged.ByEndpoint["conversations.list"]
	l.add("nothing changed: ≤ 2 list requests per stream", lists <= maxUnchangedLists, "%d conversations.list", lists)
	l.add("nothing changed: pass < 1 s", r.Unchanged.Seconds < maxUnchangedSecs, "%.2f s", r.Unchanged.Seconds)
	// Proportional to the changes means the nothing-changed pass plus a
	// bounded cost per change. The periodic recheck of open conversations
	// is reported beside it, not a target.
	l.add("1% changed: extra requests per changed conversation ≤ 3", r.ExtraRequestsPerChange <= 3,
		"%.2f", r.ExtraRequestsPerChange)
	l.add("mirror exact after sync", r.Exact, "%s", exactWord(r.Exact))
}

func (l *targetList) rateLimit(r *rateLimitResult) {
	for _, run := range r.Runs {
		p := processesName(run.Pass)
		if len(run.Pass.Failures) > 0 {
			l.add("rate limit, "+p+": every process succeeds", false, "%d failed", len(run.Pass.Failures))
		}
		l.add("rate limit, "+p+": ≥ 90% of R (each window's budget)", run.BudgetWindows > 0 && run.BudgetUsed >= minOfLimit,
			"%.0f%% over %d windows (%.0f%% of R over the wall time)", 100*run.BudgetUsed, run.BudgetWindows, 100*run.OfLimit)
		l.add("rate limit, "+p+": < 1% 429s", run.Share429 < max429Share, "%.2f%%", 100*run.Share429)
	}
}

func (l *targetList) vendors(r *vendorsResult) {
	for _, run := range r.Runs {
		name := run.Vendor + ", " + run.Limit
		l.add(name+": ≥ 90% of the limit used", run.Windows > 0 && run.Used >= minOfLimit,
			"%.0f%% over %d windows", 100*run.Used, run.Windows)
		l.add(name+": ≤ 2% throttled", run.Throttled <= maxThrottled, "%.2f%%", 100*run.Throttled)
		l.add(name+": mirror exact", run.Exact, "%s", exactWord(run.Exact))
		if run.Vendor == "chatvolt" && run.Conversations == 250 && run.LimitPerSec == 40 {
			l.add(name+": backfill within 2x its API budget", run.Pass.Seconds <= 2*run.BudgetSeconds,
				"%.1f s for a budget of %.1f s", run.Pass.Seconds, run.BudgetSeconds)
		}
	}
	for _, c := range r.Changes {
		l.add(c.Vendor+": one sync after deletes and edits at every depth makes the mirror exact", c.Exact,
			"%s, %.2f requests per changed conversation", exactWord(c.Exact), c.ExtraRequestsPerChange)
	}
}

func writeTargets(w io.Writer, ts []target) {
	if len(ts) == 0 {
		return
	}
	fmt.Fprintln(w, "\n== targets")
	tw := newTable(w)
	for _, t := range ts {
		verdict := "met"
		if !t.Met {
			verdict = "MISSED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.Name, t.Value, verdict)
	}
	_ = tw.Flush()
}

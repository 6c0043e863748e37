package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// results is everything measured; a scenario not run is nil.
type results struct {
	Machine  machine         `json:"machine"`
	Size     int             `json:"size"`
	Comments int             `json:"comments_per_conversation"`
	Backfill *backfillResult `json:"backfill,omitempty"`
	Copy     *copyResult     `json:"copy,omitempty"`
	BareCopy *copyResult     `json:"bare_copy,omitempty"`
	// CopyRatios are syncer/COPY (rates: COPY's time over the backfill's)
	// of every backfill and all-tables COPY measured (the first is
	// Backfill's and Copy's), with --repeat; MedianCopyRatio is their median.
	CopyRatios      []float64 `json:"copy_ratios,omitempty"`
	MedianCopyRatio float64   `json:"median_copy_ratio,omitempty"`
	// TimeRatios and BareTimeRatios are the backfill's time over the
	// all-tables and the bare COPY's, of every backfill measured, and the
	// medians.
	TimeRatios          []float64          `json:"time_ratios,omitempty"`
	MedianTimeRatio     float64            `json:"median_time_ratio,omitempty"`
	BareTimeRatios      []float64          `json:"bare_time_ratios,omitempty"`
	MedianBareTimeRatio float64            `json:"median_bare_time_ratio,omitempty"`
	Incremental         *incrementalResult `json:"incremental,omitempty"`
	Memory              *memoryResult      `json:"memory,omitempty"`
	RateLimit           *rateLimitResult   `json:"ratelimit,omitempty"`
	Latency             *latencyResult     `json:"latency,omitempty"`
	Vendors             *vendorsResult     `json:"vendors,omitempty"`
	Webhooks            *webhooksResult    `json:"webhooks,omitempty"`
	Targets             []target           `json:"targets"`
}

// addRatios records one backfill's ratios to its two COPYs and updates the
// medians.
func (res *results) addRatios(all, bare *copyResult) {
	res.CopyRatios = append(res.CopyRatios, all.SyncerRatio)
	res.TimeRatios = append(res.TimeRatios, all.TimeRatio)
	res.BareTimeRatios = append(res.BareTimeRatios, bare.TimeRatio)
	res.MedianCopyRatio = median(res.CopyRatios)
	res.MedianTimeRatio = median(res.TimeRatios)
	res.MedianBareTimeRatio = median(res.BareTimeRatios)
}

// machine says where the figures come from.
type machine struct {
	CPUs       int    `json:"cpus"`
	OS         string `json:"os"`
	GoVersion  string `json:"go_version"`
	PostgreSQL string `json:"postgresql"`
	// LoadBefore and LoadAfter are the load averages (1, 5, 15 minutes) when
	// the run started and ended: others' work on the machine skews figures.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
}

// writeResults prints the tables, or the JSON with --json, and writes the
// JSON to --json-file.
func writeResults(stdout io.Writer, opts options, res *results) error {
	res.Targets = targets(res)
	if opts.JSON {
		if err := writeJSON(stdout, res); err != nil {
			return err
		}
	} else {
		writeTables(stdout, res)
	}
	if opts.JSONFile == "" {
		return nil
	}
	f, err := os.Create(opts.JSONFile)
	if err != nil {
		return fmt.Errorf("write JSON results: %w", err)
	}
	if err := writeJSON(f, res); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write JSON results: %w", err)
	}
	return nil
}

func writeJSON(w io.Writer, res *results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("write JSON results: %w", err)
	}
	return nil
}

// writeTables prints one table per scenario run, then the targets.
func writeTables(w io.Writer, res *results) {
	fmt.Fprintf(w, "syncer benchmark: %d CPUs, %s, %s, PostgreSQL %s; load average %s at the start, %s at the end\n",
		res.Machine.CPUs, res.Machine.OS, res.Machine.GoVersion, res.Machine.PostgreSQL, res.Machine.LoadBefore, res.Machine.LoadAfter)
	// The backfill's and the COPYs' tables also show figures of the others.
	if res.Backfill != nil {
		writeBackfill(w, res)
	}
	if res.Copy != nil {
		writeCopy(w, res)
	}
	writeIfRun(w, res.Incremental, writeIncremental)
	writeIfRun(w, res.Memory, writeMemory)
	writeIfRun(w, res.RateLimit, writeRateLimit)
	writeIfRun(w, res.Latency, writeLatency)
	writeIfRun(w, res.Webhooks, writeWebhooks)
	writeIfRun(w, res.Vendors, writeVendors)
	writeTargets(w, res.Targets)
}

// writeIfRun writes a scenario's table if it ran: a scenario not run has no
// result.
func writeIfRun[R any](w io.Writer, r *R, write func(io.Writer, *R)) {
	if r != nil {
		write(w, r)
	}
}

func writeBackfill(w io.Writer, res *results) {
	r := res.Backfill
	fmt.Fprintf(w, "\n== backfill: %d conversations, %d comments on average; defaults, no latency, no rate limit\n",
		r.Conversations, res.Comments)
	tw := newTable(w)
	fmt.Fprintf(tw, "  conversations\t%d\n", r.Conversations)
	fmt.Fprintf(tw, "  messages\t%d\n", r.Messages)
	fmt.Fprintf(tw, "  wall time\t%.2f s\t(first to last request: %.2f s)\n", r.Pass.Seconds, r.Pass.APISeconds)
	fmt.Fprintf(tw, "  conversations/s\t%.0f\n", r.ConversationsPerSec)
	fmt.Fprintf(tw, "  messages/s\t%.0f\n", r.MessagesPerSec)
	fmt.Fprintf(tw, "  requests\t%d\t(%.2f per conversation)\n", r.Pass.Requests, r.RequestsPerConversation)
	for _, ep := range slices.Sorted(maps.Keys(r.Pass.ByEndpoint)) {
		fmt.Fprintf(tw, "    %s\t%d\n", ep, r.Pass.ByEndpoint[ep])
	}
	fmt.Fprintf(tw, "  peak RSS\t%s  (live Go heap at most %s)\n", megabytes(r.Pass.PeakRSSBytes), megabytes(r.Pass.PeakLiveHeapBytes))
	fmt.Fprintf(tw, "  CPU\t%s\n", cpuLine(r.Pass.CPU))
	fmt.Fprintf(tw, "  this database\t%s\n", dbCostLine(r.Pass.Database, r.MirrorRows))
	wr := r.Writes
	fmt.Fprintf(tw, "  mirror writes\t%d rows landed: %d inserts, %d updates (%.2f writes per row; COPY: 1)\n",
		r.MirrorRows, wr.Mirror.Inserted, wr.Mirror.Updated, perRow(wr.Mirror.Inserted+wr.Mirror.Updated, r.MirrorRows))
	fmt.Fprintf(tw, "  queue writes\triver_job: %d inserts, %d updates, %d deletes (%.2f writes per conversation)\n",
		wr.River.Inserted, wr.River.Updated, wr.River.Deleted,
		perRow(wr.River.Inserted+wr.River.Updated+wr.River.Deleted, int64(r.Conversations)))
	fmt.Fprintf(tw, "  transactions\t%d (%.2f per conversation)\n", wr.Transactions, perRow(wr.Transactions, int64(r.Conversations)))
	fmt.Fprintf(tw, "  mirror\t%s\n", exactWord(r.Exact))
	_ = tw.Flush()
}

func writeCopy(w io.Writer, res *results) {
	bf := res.Backfill
	fmt.Fprintln(w, "\n== copy: the backfill's rows loaded with COPY into a fresh database, one transaction per table")
	fmt.Fprintln(w, "   all tables: every mirrored table, into syncer's schema (its keys and indexes)")
	fmt.Fprintln(w, "   bare: conversations and messages (raw included), primary keys and the messages-by-conversation index only")
	tw := newTable(w)
	fmt.Fprintln(tw, "  COPY\tTABLE\tROWS\tSECONDS\tROWS/S")
	for _, r := range []*copyResult{res.Copy, res.BareCopy} {
		if r == nil {
			continue
		}
		for _, t := range r.Tables {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%.3f\t%.0f\n", copyName(r), t.Table, t.Rows, t.Seconds, float64(t.Rows)/t.Seconds)
		}
		fmt.Fprintf(tw, "  %s\ttotal\t%d\t%.3f\t%.0f\n", copyName(r), r.Rows, r.Seconds, r.RowsPerSec)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "  PostgreSQL CPU during the COPYs: %.1f s all tables, %.1f s bare (during the backfill: %.1f s)\n",
		res.Copy.PostgreSQLCPUSeconds, cpuOf(res.BareCopy), bf.Pass.CPU.PostgreSQL)
	fmt.Fprintf(w, "  the backfill's database: %s\n", dbCostLine(bf.Pass.Database, bf.MirrorRows))
	for _, r := range []*copyResult{res.Copy, res.BareCopy} {
		if r != nil {
			fmt.Fprintf(w, "  the %s COPY's database: %s\n", copyName(r), dbCostLine(r.Database, r.Rows))
		}
	}
	tw = newTable(w)
	fmt.Fprintln(tw, "\n  BASELINE\tCOPY SECONDS\tBACKFILL SECONDS\tBACKFILL TAKES\t(FIRST TO LAST REQUEST)\tSYNCER/COPY RATE")
	for _, r := range []*copyResult{res.Copy, res.BareCopy} {
		if r == nil {
			continue
		}
		fmt.Fprintf(tw, "  %s COPY\t%.2f\t%.2f\t%.2fx\t%.2fx\t%.2f\n", copyName(r), r.Seconds, bf.Pass.Seconds,
			r.TimeRatio, bf.Pass.APISeconds/r.Seconds, r.SyncerRatio)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "  BACKFILL TAKES: the backfill's wall time over the COPY's; SYNCER/COPY RATE: its inverse (the earlier figure)")
	if len(res.TimeRatios) > 1 {
		fmt.Fprintf(w, "  over %d backfills, each with its COPYs: the backfill takes median %.2fx (%s) the all-tables COPY,\n",
			len(res.TimeRatios), res.MedianTimeRatio, timesList(res.TimeRatios))
		fmt.Fprintf(w, "  median %.2fx (%s) the bare COPY; syncer/COPY rate median %.2f (%s)\n",
			res.MedianBareTimeRatio, timesList(res.BareTimeRatios), res.MedianCopyRatio, ratioList(res.CopyRatios))
	}
}

// dbCostLine says what a database cost the server for rows rows.
func dbCostLine(c dbCost, rows int64) string {
	return fmt.Sprintf("backends' CPU %.1f s (%d backends); WAL %.0f MB, %.0f bytes per row (the whole server's WAL)",
		c.BackendCPUSeconds, c.Backends, float64(c.WALBytes)/1e6, perRow(c.WALBytes, rows))
}

func copyName(r *copyResult) string {
	if r.Bare {
		return "bare"
	}
	return "all tables"
}

func cpuOf(r *copyResult) float64 {
	if r == nil {
		return 0
	}
	return r.PostgreSQLCPUSeconds
}

// timesList shows time ratios in the order they were measured.
func timesList(ratios []float64) string { return formatList("%.2fx", ratios) }

// ratioList shows ratios in the order they were measured.
func ratioList(ratios []float64) string { return formatList("%.2f", ratios) }

// formatList formats each value and joins them with commas.
func formatList(format string, values []float64) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(parts, ", ")
}

func writeIncremental(w io.Writer, r *incrementalResult) {
	fmt.Fprintf(w, "\n== incremental: syncer sync over %d conversations (%d open: their messages are re-read when the recheck is due)\n",
		r.Conversations, r.OpenConversations)
	fmt.Fprintf(w, "   changed: %d conversations got a comment (%.1f%%), %d of them a new title\n",
		r.CommentsAdded, 100*float64(r.CommentsAdded)/float64(r.Conversations), r.ConversationsEdited)
	tw := newTable(w)
	fmt.Fprintln(tw, "  REQUESTS\tNOTHING CHANGED\t1% CHANGED\tRECHECK OF OPEN (--recheck-open)")
	eps := maps.Clone(r.Unchanged.ByEndpoint)
	maps.Copy(eps, r.Changed.ByEndpoint)
	maps.Copy(eps, r.Recheck.ByEndpoint)
	for _, ep := range slices.Sorted(maps.Keys(eps)) {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", ep, r.Unchanged.ByEndpoint[ep], r.Changed.ByEndpoint[ep], r.Recheck.ByEndpoint[ep])
	}
	fmt.Fprintf(tw, "  total\t%d\t%d\t%d\n", r.Unchanged.Requests, r.Changed.Requests, r.Recheck.Requests)
	fmt.Fprintf(tw, "  wall time\t%.2f s\t%.2f s\t%.2f s\n", r.Unchanged.Seconds, r.Changed.Seconds, r.Recheck.Seconds)
	fmt.Fprintf(tw, "  first to last request\t%.2f s\t%.2f s\t%.2f s\n", r.Unchanged.APISeconds, r.Changed.APISeconds, r.Recheck.APISeconds)
	fmt.Fprintf(tw, "  peak RSS\t%s\t%s\t%s\n", megabytes(r.Unchanged.PeakRSSBytes), megabytes(r.Changed.PeakRSSBytes), megabytes(r.Recheck.PeakRSSBytes))
	fmt.Fprintf(tw, "  syncer CPU\t%.2f s\t%.2f s\t%.2f s\n", r.Unchanged.CPU.Syncer, r.Changed.CPU.Syncer, r.Recheck.CPU.Syncer)
	_ = tw.Flush()
	fmt.Fprintf(w, "  requests added by the changes: %d, %.2f per changed conversation; mirror %s\n",
		r.Changed.Requests-r.Unchanged.Requests, r.ExtraRequestsPerChange, exactWord(r.Exact))
}

func writeMemory(w io.Writer, r *memoryResult) {
	fmt.Fprintln(w, "\n== memory: peak RSS of syncer backfill at two history sizes")
	tw := newTable(w)
	fmt.Fprintln(tw, "  CONVERSATIONS\tMESSAGES\tSECONDS\tPEAK RSS\tPEAK LIVE HEAP")
	for _, p := range r.Points {
		fmt.Fprintf(tw, "  %d\t%d\t%.1f\t%s\t%s\n", p.Conversations, p.Messages, p.Seconds, megabytes(p.PeakRSSBytes), megabytes(p.PeakLiveHeapBytes))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "  growth with 4x the history: %.2fx RSS, %.2fx live heap\n", r.Growth, r.HeapGrowth)
	fmt.Fprintln(w, "  LIVE HEAP: the largest Go heap left after a collection (gctrace), to the MB: what syncer holds")
}

func writeRateLimit(w io.Writer, r *rateLimitResult) {
	fmt.Fprintf(w, "\n== ratelimit: the fake allows %d requests per %gs (%.0f/s) per token; backfill of %d conversations\n",
		r.Limit, r.WindowSeconds, r.LimitPerSec, r.Conversations)
	tw := newTable(w)
	fmt.Fprintln(tw, "  PROCESSES\tREQUESTS\t429s\t429 SHARE\tSECONDS\tBUDGET USED\tWINDOWS\tSERVED/S\tOF LIMIT\tSERVED/S (API SPAN)\tOF LIMIT\tPEAK RSS")
	var failures []string
	for _, run := range r.Runs {
		p := run.Pass
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%.2f%%\t%.1f\t%.0f%%\t%d\t%.0f\t%.0f%%\t%.0f\t%.0f%%\t%s\n",
			processesName(p), p.Requests, p.RateLimited, 100*run.Share429, p.Seconds, 100*run.BudgetUsed, run.BudgetWindows,
			run.AdmittedPerSec, 100*run.OfLimit, run.APIAdmittedPerSec, 100*run.APIOfLimit, megabytes(p.PeakRSSBytes))
		for _, f := range p.Failures {
			failures = append(failures, processesName(p)+": "+f)
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "  BUDGET USED: share of each window's budget the requests used, over the windows from the first")
	fmt.Fprintln(w, "  request's to the one before the last request's (the work ran out in the last)")
	fmt.Fprintln(w, "  SERVED: requests the API answered without a 429; OF LIMIT over the wall time overstates a short")
	fmt.Fprintln(w, "  run, which may get a whole window's budget in its first instant")
	for _, run := range r.Runs {
		if run.Pass.Seconds < 3*r.WindowSeconds {
			fmt.Fprintf(w, "  note: %s ran %.1f s, under 3 windows of %gs: the first window's burst dominates the rate\n",
				processesName(run.Pass), run.Pass.Seconds, r.WindowSeconds)
		}
	}
	for _, f := range failures {
		fmt.Fprintf(w, "  FAILED %s\n", f)
	}
}

// processesName says how many processes ran a pass and how they started.
func processesName(p passResult) string {
	switch {
	case p.Processes == 1:
		return "1"
	case p.Join:
		return fmt.Sprintf("%d, joining", p.Processes)
	}
	return fmt.Sprintf("%d, at once", p.Processes)
}

func writeLatency(w io.Writer, r *latencyResult) {
	fmt.Fprintf(w, "\n== latency: %.0f ms added to every response; backfill of %d conversations\n", r.LatencyMS, r.Conversations)
	tw := newTable(w)
	fmt.Fprintln(tw, "  WORKERS\tREQUESTS\tSECONDS\tREQ/S\tSERIAL WAITING (REQUESTS x LATENCY)\tPEAK RSS")
	for _, run := range r.Runs {
		fmt.Fprintf(tw, "  %s\t%d\t%.1f\t%.0f\t%.1f s\t%s\n", workersName(run.Pass.Workers), run.Pass.Requests,
			run.Pass.Seconds, run.RequestsPerSec, run.SerialSeconds, megabytes(run.Pass.PeakRSSBytes))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "  speed-up from concurrency: %.1fx\n", r.SpeedUp)
}

func writeVendors(w io.Writer, r *vendorsResult) {
	fmt.Fprintln(w, "\n== vendors: backfills under rate limits of several shapes; sync after deletes and edits at every depth")
	tw := newTable(w)
	fmt.Fprintln(tw, "  VENDOR\tLIMIT\tCONVERSATIONS\tSECONDS\tBUDGET\tREQUESTS\tREQ/CONV\tLIMIT USED\tWINDOWS\tTHROTTLED\tMIRROR")
	for _, run := range r.Runs {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%.1f\t%.1f s\t%d\t%.2f\t%.0f%%\t%d\t%.2f%%\t%s\n", run.Vendor, run.Limit, run.Conversations,
			run.Pass.Seconds, run.BudgetSeconds, run.Pass.Requests, run.RequestsPerConversation, 100*run.Used, run.Windows,
			100*run.Throttled, exactWord(run.Exact))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "  BUDGET: what the admitted requests take at the limit's rate; SECONDS: the backfill, process start-up included")
	fmt.Fprintln(w, "  LIMIT USED: share of each window's budget used, over the windows from the first request's to the one")
	fmt.Fprintln(w, "  before the last request's; THROTTLED: share of requests refused with 429 or 419")
	tw = newTable(w)
	fmt.Fprintln(tw, "  VENDOR\tCHANGED CONVERSATIONS\tSYNC REQUESTS\tNOTHING CHANGED\tEXTRA PER CHANGE\tMIRROR")
	for _, c := range r.Changes {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%.2f\t%s\n", c.Vendor, c.Changed, c.Sync.Requests, c.Unchanged.Requests,
			c.ExtraRequestsPerChange, exactWord(c.Exact))
	}
	_ = tw.Flush()
}

func perRow(n, rows int64) float64 {
	if rows == 0 {
		return 0
	}
	return float64(n) / float64(rows)
}

// cpuLine says where the CPU time of a pass went.
func cpuLine(c cpuSplit) string {
	line := fmt.Sprintf("syncer %.1f s, fake API %.1f s, PostgreSQL %.1f s", c.Syncer, c.API, c.PostgreSQL)
	if c.Capacity > 0 {
		line += fmt.Sprintf(", other processes %.1f s; machine busy %.0f%% of %.0f core-s", c.Rest(), 100*c.Busy/c.Capacity, c.Capacity)
	}
	return line
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// megabytes formats bytes in MB (10^6 bytes), the unit of the memory target.
func megabytes(bytes int64) string {
	if bytes <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(bytes)/1e6)
}

func exactWord(exact bool) string {
	if exact {
		return "exact"
	}
	return "NOT EXACT"
}

func writeWebhooks(w io.Writer, r *webhooksResult) {
	fmt.Fprintf(w, "\n== webhooks: %d conversations, polling 10 minutes apart; %.0f changes a second for %.0f s at the source\n",
		r.Conversations, r.ChangesPerSec, r.Seconds)
	tw := newTable(w)
	fmt.Fprintf(tw, "  changes\t%d in %.1f s (%d webhook deliveries, duplicates and retries included)\n", r.Changes, r.Seconds, r.Deliveries)
	fmt.Fprintf(tw, "  lag, event to commit (daemon)\tp50 %.2f s, p95 %.2f s over %d re-reads\n", r.Lag.P50, r.Lag.P95, r.Lag.Count)
	fmt.Fprintf(tw, "  new comment to mirror (bench)\tp50 %.2f s, p95 %.2f s, max %.2f s over %d comments\n", r.Seen.P50, r.Seen.P95, r.Seen.Max, r.Seen.Count)
	fmt.Fprintf(tw, "  requests\t%d, %.2f per change\n", r.Requests, r.RequestsPerChange)
	for _, ep := range slices.Sorted(maps.Keys(r.RequestsByKind)) {
		fmt.Fprintf(tw, "    %s\t%d\n", ep, r.RequestsByKind[ep])
	}
	fmt.Fprintf(tw, "  mirror\t%s, %.1f s after the last change\n", exactWord(r.Exact), r.SecondsToExact)
	_ = tw.Flush()
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db/dbq"
)

// statusReport is what `syncer status` shows; its JSON form is for scripts.
type statusReport struct {
	Streams    []streamStatus     `json:"streams"`
	Tables     []tableStatus      `json:"tables"`
	Queue      []queueStatus      `json:"queue"`
	Quarantine []quarantineStatus `json:"quarantine"`
	// Unreachable are the sources whose API a running process cannot reach.
	Unreachable []unreachableStatus `json:"unreachable"`
	// Webhooks are the sources whose webhooks have arrived, ever.
	Webhooks []webhookStatus `json:"webhooks"`
}

type webhookStatus struct {
	Source      string    `json:"source"`
	LastEventAt time.Time `json:"last_event_at"`
	Events      int64     `json:"events"`
	// Arriving: an event in the last 30 minutes. While they arrive, the
	// daemon re-reads open conversations less often.
	Arriving bool `json:"arriving"`
}

type unreachableStatus struct {
	Source   string    `json:"source"`
	Since    time.Time `json:"since"`
	Error    string    `json:"error"`
	Failures int64     `json:"requests_without_answer"`
}

type streamStatus struct {
	Source       string     `json:"source"`
	Stream       string     `json:"stream"`
	Watermark    *time.Time `json:"watermark"`
	PassInFlight *int64     `json:"pass_in_flight_run_id"`
	LastError    *string    `json:"last_error,omitempty"`
	LastRun      *runStatus `json:"last_run,omitempty"`
}

type runStatus struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	Pages       int64      `json:"pages"`
	Rows        int64      `json:"rows"`
	RateLimited int64      `json:"rate_limited"`
	Error       *string    `json:"error,omitempty"`
	// ActiveJobs are the run's jobs not yet finished.
	ActiveJobs int64 `json:"active_jobs"`
}

type tableStatus struct {
	Source  string `json:"source"`
	Table   string `json:"table"`
	Rows    int64  `json:"rows"`
	Deleted int64  `json:"deleted"`
}

type queueStatus struct {
	Source string `json:"source"`
	Kind   string `json:"kind"`
	State  string `json:"state"`
	Jobs   int64  `json:"jobs"`
}

type quarantineStatus struct {
	Source  string `json:"source"`
	Stream  string `json:"stream"`
	Records int64  `json:"records"`
}

// statusCommand shows, per source and stream, the watermark, the last run,
// the rows mirrored and the jobs queued.
func statusCommand() command {
	var asJSON bool
	return command{
		name:     "status",
		synopsis: "[--json]",
		summary:  "per source and stream: watermark, last run, rows,\nqueue",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.BoolVar(&asJSON, "json", false, "print JSON for scripts")
		},
		needs: openMirror,
		run: func(ctx context.Context, e env, a *app) error {
			report, err := loadStatus(ctx, a.pool)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(report)
			}
			printStatus(e.stdout, report)
			return nil
		},
	}
}

// loadStatus reads the status in one snapshot of the database, so that its
// parts agree with each other (a run and its jobs, the queue and the rows).
func loadStatus(ctx context.Context, pool *pgxpool.Pool) (*statusReport, error) {
	var r *statusReport
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		r, err = readStatus(ctx, dbq.New(tx))
		return err
	})
	return r, err
}

// reads runs the reads of a report one after the other, keeping the first
// error, so that readStatus reads as a list.
type reads struct{ err error }

func read[T any](r *reads, what string, f func() (T, error)) T {
	var v T
	if r.err == nil {
		if v, r.err = f(); r.err != nil {
			r.err = fmt.Errorf("read %s: %w", what, r.err)
		}
	}
	return v
}

func readStatus(ctx context.Context, q *dbq.Queries) (*statusReport, error) {
	var rd reads
	states := read(&rd, "sync state", func() ([]dbq.SyncState, error) { return q.ListSyncStates(ctx) })
	runs := read(&rd, "runs", func() ([]dbq.SyncRun, error) { return q.LatestRuns(ctx) })
	active := read(&rd, "jobs of runs", func() ([]dbq.ActiveJobsByRunRow, error) { return q.ActiveJobsByRun(ctx) })
	counts := read(&rd, "row counts", func() ([]dbq.RowCountsRow, error) { return q.RowCounts(ctx) })
	queued := read(&rd, "queued jobs", func() ([]dbq.QueuedJobsRow, error) { return q.QueuedJobs(ctx) })
	quarantined := read(&rd, "quarantine", func() ([]dbq.CountOpenQuarantineRow, error) { return q.CountOpenQuarantine(ctx) })
	unreachable := read(&rd, "sources' reach", func() ([]dbq.UnreachableSourcesRow, error) {
		return q.UnreachableSources(ctx, reachFreshSeconds)
	})
	hooks := read(&rd, "webhooks", func() ([]dbq.SourceWebhook, error) { return q.SourceWebhooks(ctx) })
	if rd.err != nil {
		return nil, rd.err
	}

	r := &statusReport{Streams: []streamStatus{}, Tables: []tableStatus{}, Queue: []queueStatus{},
		Quarantine: []quarantineStatus{}, Unreachable: []unreachableStatus{}, Webhooks: []webhookStatus{}}
	for _, h := range hooks {
		r.Webhooks = append(r.Webhooks, webhookStatus{Source: h.Source, LastEventAt: h.LastEventAt, Events: h.Events,
			Arriving: time.Since(h.LastEventAt) < 30*time.Minute})
	}
	jobsOf := map[int64]int64{}
	for _, a := range active {
		jobsOf[a.RunID] = a.Jobs
	}
	lastRun := map[[2]string]*runStatus{}
	for _, run := range runs {
		lastRun[[2]string{run.Source, run.Stream}] = newRunStatus(run, jobsOf[run.ID])
	}
	for _, s := range states {
		r.Streams = append(r.Streams, streamStatus{
			Source: s.Source, Stream: s.Stream, Watermark: s.Watermark, PassInFlight: s.RunID,
			LastError: s.LastError, LastRun: lastRun[[2]string{s.Source, s.Stream}],
		})
	}
	for _, c := range counts {
		r.Tables = append(r.Tables, tableStatus{Source: c.Source, Table: c.Tbl, Rows: c.Total, Deleted: c.Deleted})
	}
	for _, j := range queued {
		r.Queue = append(r.Queue, queueStatus{Source: j.Source, Kind: j.Kind, State: j.State, Jobs: j.Jobs})
	}
	for _, qr := range quarantined {
		r.Quarantine = append(r.Quarantine, quarantineStatus{Source: qr.Source, Stream: qr.Stream, Records: qr.Records})
	}
	for _, u := range unreachable {
		r.Unreachable = append(r.Unreachable, unreachableStatus{Source: u.Source, Since: u.DownSince, Error: u.LastError, Failures: int64(u.Failures)})
	}
	sort.SliceStable(r.Streams, func(i, j int) bool { return r.Streams[i].Source < r.Streams[j].Source })
	return r, nil
}

// reachFreshSeconds is how recent what a process saw of a source's API must
// be to count: a few heartbeats.
const reachFreshSeconds = 30

// newRunStatus is a run as status shows it: running until its last job
// ends, whatever its listing recorded, so that its counts are final once it
// says succeeded or failed; stopped when it has no job left but never
// finished (an interrupted command, jobs cancelled in River UI), which the
// next pass of its source resumes.
func newRunStatus(run dbq.SyncRun, activeJobs int64) *runStatus {
	rs := &runStatus{
		ID: run.ID, Kind: run.Kind, Status: run.Status, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt,
		Pages: run.Pages, Rows: run.Rows, RateLimited: run.RateLimited, Error: run.Error, ActiveJobs: activeJobs,
	}
	switch {
	case activeJobs > 0:
		rs.Status, rs.FinishedAt = "running", nil
	case run.Status == "running":
		rs.Status = "stopped"
	}
	return rs
}

func printStatus(w io.Writer, r *statusReport) {
	printStreams(w, r.Streams)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tTABLE\tROWS\tDELETED")
	for _, t := range r.Tables {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", t.Source, t.Table, t.Rows, t.Deleted)
	}
	_ = tw.Flush()

	fmt.Fprintln(w)
	if len(r.Queue) == 0 {
		fmt.Fprintln(w, "queue: empty")
	} else {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tJOB\tSTATE\tJOBS")
		for _, q := range r.Queue {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", q.Source, q.Kind, q.State, q.Jobs)
		}
		_ = tw.Flush()
	}
	for _, h := range r.Webhooks {
		rhythm := "not arriving: open conversations are re-read on the usual interval"
		if h.Arriving {
			rhythm = "arriving: open conversations are re-read less often (SYNCER_WEBHOOK_OPEN_RECHECK_INTERVAL)"
		}
		fmt.Fprintf(w, "webhooks: %s: %d events, the last at %s; %s\n", h.Source, h.Events, fmtTime(&h.LastEventAt), rhythm)
	}
	for _, u := range r.Unreachable {
		fmt.Fprintf(w, "unreachable: %s since %s (%d requests without an answer): %s\n",
			u.Source, fmtTime(&u.Since), u.Failures, u.Error)
	}
	for _, q := range r.Quarantine {
		fmt.Fprintf(w, "quarantine: %s %s: %d records (see the quarantine table)\n", q.Source, q.Stream, q.Records)
	}
}

// printStreams prints a row per source and stream: its watermark and its
// last run.
func printStreams(w io.Writer, streams []streamStatus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTREAM\tWATERMARK\tLAST RUN\tSTATUS\tSTARTED\tPAGES\tROWS\t429s\tERROR")
	if len(streams) == 0 {
		fmt.Fprintln(tw, "(no source has synced yet)")
	}
	for _, s := range streams {
		run := s.LastRun
		if run == nil {
			run = &runStatus{}
		}
		status := run.Status
		if s.PassInFlight != nil && run.ActiveJobs == 0 {
			// Its jobs ended, the pass did not: the next one resumes it.
			status += ", resumes"
		}
		errText := ""
		switch {
		case run.Error != nil:
			errText = *run.Error
		case s.LastError != nil:
			errText = *s.LastError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s #%d\t%s\t%s\t%d\t%d\t%d\t%s\n", s.Source, s.Stream, fmtTime(s.Watermark),
			run.Kind, run.ID, status, fmtTime(&run.StartedAt), run.Pages, run.Rows, run.RateLimited, truncate(errText, 80))
	}
	_ = tw.Flush()
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// truncate cuts s to n runes, never inside one.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

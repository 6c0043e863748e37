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

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db/dbq"
)

// statusReport is what `syncer status` shows; its JSON form is for scripts.
type statusReport struct {
	Streams    []streamStatus     `json:"streams"`
	Tables     []tableStatus      `json:"tables"`
	Queue      []queueStatus      `json:"queue"`
	Quarantine []quarantineStatus `json:"quarantine"`
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
		name: "status",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.BoolVar(&asJSON, "json", false, "print JSON for scripts")
		},
		needs: openMirror,
		run: func(ctx context.Context, e env, a *app) error {
			report, err := loadStatus(ctx, dbq.New(a.pool))
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

func loadStatus(ctx context.Context, q *dbq.Queries) (*statusReport, error) {
	states, err := q.ListSyncStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("read sync state: %w", err)
	}
	runs, err := q.LatestRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	counts, err := q.RowCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	queued, err := q.QueuedJobs(ctx)
	if err != nil {
		return nil, fmt.Errorf("count queued jobs: %w", err)
	}
	quarantined, err := q.CountOpenQuarantine(ctx)
	if err != nil {
		return nil, fmt.Errorf("count quarantine: %w", err)
	}

	r := &statusReport{Streams: []streamStatus{}, Tables: []tableStatus{}, Queue: []queueStatus{}, Quarantine: []quarantineStatus{}}
	lastRun := map[[2]string]*runStatus{}
	for _, run := range runs {
		lastRun[[2]string{run.Source, run.Stream}] = &runStatus{
			ID: run.ID, Kind: run.Kind, Status: run.Status, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt,
			Pages: run.Pages, Rows: run.Rows, RateLimited: run.RateLimited, Error: run.Error,
		}
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
	sort.SliceStable(r.Streams, func(i, j int) bool { return r.Streams[i].Source < r.Streams[j].Source })
	return r, nil
}

func printStatus(w io.Writer, r *statusReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTREAM\tWATERMARK\tLAST RUN\tSTATUS\tSTARTED\tPAGES\tROWS\t429s\tERROR")
	if len(r.Streams) == 0 {
		fmt.Fprintln(tw, "(no source has synced yet)")
	}
	for _, s := range r.Streams {
		run := s.LastRun
		if run == nil {
			run = &runStatus{}
		}
		status := run.Status
		if s.PassInFlight != nil {
			status = "in flight"
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

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
	for _, q := range r.Quarantine {
		fmt.Fprintf(w, "quarantine: %s %s: %d records (see the quarantine table)\n", q.Source, q.Stream, q.Records)
	}
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

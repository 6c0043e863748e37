package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// defaultServerURL is the PostgreSQL server used when neither --database-url,
// BENCH_DATABASE_URL nor TEST_DATABASE_URL is set: the one the tests use.
const defaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// scenarioNames returns the scenarios in the order they run. The order
// matters: copy reads the rows backfill wrote, and incremental changes the
// workspace backfill mirrored, so it runs after copy.
func scenarioNames() []string {
	return []string{"backfill", "copy", "incremental", "memory", "ratelimit", "latency", "vendors", "webhooks"}
}

var errHelp = errors.New("help requested")

// options is the command line.
type options struct {
	// ServerURL is a PostgreSQL URL of a role that may create databases; each
	// scenario creates its own database on that server and drops it at the end.
	ServerURL string
	// Size is the number of conversations of the main backfill. Defaults to
	// 20,000 (2,000 with --quick).
	Size int
	// Comments is the average number of comments per conversation. Defaults
	// to 10.
	Comments int
	// Scenarios are the scenarios to run, in scenarioNames order. Defaults to
	// all of them.
	Scenarios []string
	// Rate is the fake API's limit for the ratelimit scenario, in requests
	// per RateWindow. Defaults to 200.
	Rate int
	// RateWindow is the fake API's rate-limit window. Defaults to 1 second.
	RateWindow time.Duration
	// Latency is added to every response in the latency scenario. Defaults
	// to 50 ms.
	Latency time.Duration
	// Seed makes the generated workspace and the fake's list order
	// reproducible. Defaults to 1.
	Seed int64
	// JSON prints machine-readable results instead of tables.
	JSON bool
	// JSONFile, when set, also receives the machine-readable results.
	JSONFile string
	// Keep leaves the scenario databases in place for inspection.
	Keep bool
	// Repeat is how many times the backfill and its COPY are measured (each
	// in fresh databases), the ratio judged by its median. Defaults to 1.
	Repeat int
	// Vendors limits the vendors scenario to these vendors. Defaults to
	// every vendor.
	Vendors []string
	// Workers is SYNCER_WORKERS of the syncer children of the backfill,
	// memory and incremental scenarios. Defaults to 0: syncer's own default.
	Workers int
}

func (o options) has(scenario string) bool { return slices.Contains(o.Scenarios, scenario) }

func parseOptions(args []string, stderr io.Writer, lookup func(string) (string, bool)) (options, error) {
	var o options
	fs := flag.NewFlagSet("syncerbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.ServerURL, "database-url", "", "PostgreSQL server URL (env BENCH_DATABASE_URL, TEST_DATABASE_URL; default "+defaultServerURL+")")
	fs.IntVar(&o.Size, "size", 0, "conversations in the main backfill (default 20000, 2000 with --quick)")
	fs.IntVar(&o.Comments, "comments", 10, "average comments per conversation")
	quick := fs.Bool("quick", false, "a small run: 2000 conversations unless --size is given")
	scenarios := fs.String("scenario", "all", "comma-separated scenarios: "+strings.Join(scenarioNames(), ",")+" or all")
	fs.IntVar(&o.Rate, "rate", 200, "ratelimit scenario: requests the fake allows per --rate-window")
	fs.DurationVar(&o.RateWindow, "rate-window", time.Second, "ratelimit scenario: the fake's rate-limit window")
	fs.DurationVar(&o.Latency, "latency", 50*time.Millisecond, "latency scenario: delay added to every API response")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the generated workspace and the fake's list order")
	fs.BoolVar(&o.JSON, "json", false, "print machine-readable results (JSON) instead of tables")
	fs.StringVar(&o.JSONFile, "json-file", "", "also write the machine-readable results (JSON) to this file")
	fs.BoolVar(&o.Keep, "keep", false, "keep the scenario databases instead of dropping them")
	fs.IntVar(&o.Repeat, "repeat", 1, "backfill and copy: measure the backfill/COPY ratio this many times and judge the median")
	fs.IntVar(&o.Workers, "workers", 0, "backfill, memory, incremental: SYNCER_WORKERS of syncer (default: syncer's own)")
	vendors := fs.String("vendors", "", "vendors scenario: comma-separated vendors to measure (default: every one)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, errHelp
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	if o.ServerURL == "" {
		o.ServerURL = firstEnv(lookup, "BENCH_DATABASE_URL", "TEST_DATABASE_URL")
	}
	if o.ServerURL == "" {
		o.ServerURL = defaultServerURL
	}
	if o.Size == 0 {
		o.Size = 20_000
		if *quick {
			o.Size = 2_000
		}
	}
	// The smallest runs use size/20 conversations.
	if o.Size < 40 {
		return o, fmt.Errorf("--size %d: want at least 40", o.Size)
	}
	if o.Comments < 0 || o.Rate <= 0 || o.RateWindow <= 0 || o.Latency < 0 || o.Repeat < 1 {
		return o, errors.New("--comments, --rate, --rate-window, --latency and --repeat must be positive")
	}
	var err error
	if o.Scenarios, err = parseScenarios(*scenarios); err != nil {
		return o, err
	}
	if *vendors != "" {
		o.Vendors = strings.Split(*vendors, ",")
	}
	if o.Repeat > 1 && !o.has("copy") {
		return o, errors.New("--repeat measures the backfill against its COPY: select the copy scenario too")
	}
	return o, nil
}

// parseScenarios returns the named scenarios in running order.
func parseScenarios(s string) ([]string, error) {
	if s == "all" || s == "" {
		return scenarioNames(), nil
	}
	want := map[string]bool{}
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(scenarioNames(), name) {
			return nil, fmt.Errorf("unknown scenario %q (want %s or all)", name, strings.Join(scenarioNames(), ", "))
		}
		want[name] = true
	}
	var out []string
	for _, name := range scenarioNames() {
		if want[name] {
			out = append(out, name)
		}
	}
	return out, nil
}

func firstEnv(lookup func(string) (string, bool), names ...string) string {
	for _, n := range names {
		if v, ok := lookup(n); ok && v != "" {
			return v
		}
	}
	return ""
}

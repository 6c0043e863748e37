package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// bench holds what every scenario shares: the options, the syncer binary and
// the databases to drop on the way out.
type bench struct {
	opts    options
	log     io.Writer // progress lines (stderr)
	started time.Time
	tmpDir  string // the syncer binary and the children's logs
	syncer  runner
	dbs     []*database // created and not dropped yet
	machine machine
}

// newBench checks the server, then builds the syncer CLI.
func newBench(ctx context.Context, opts options, log io.Writer) (*bench, error) {
	b := &bench{opts: opts, log: log, started: time.Now()}
	pgVersion, err := serverVersion(ctx, opts.ServerURL)
	if err != nil {
		return nil, err
	}
	b.machine = machine{
		CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, PostgreSQL: pgVersion,
		LoadBefore: loadAverage(),
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the bench's own binary (the children's launcher): %w", err)
	}
	if b.tmpDir, err = os.MkdirTemp("", "syncerbench-"); err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	b.progressf("building ./cmd/syncer into %s", b.tmpDir)
	bin, err := buildSyncer(ctx, b.tmpDir)
	if err != nil {
		_ = os.RemoveAll(b.tmpDir)
		return nil, err
	}
	b.syncer = runner{self: self, bin: bin, logDir: b.tmpDir}
	return b, nil
}

// close drops the databases left (unless --keep) and removes the binary and
// the logs.
func (b *bench) close() {
	for _, d := range slices.Clone(b.dbs) {
		if err := b.dropDatabase(d); err != nil {
			b.progressf("warning: %v", err)
		}
	}
	if b.opts.Keep {
		b.progressf("kept the children's logs in %s", b.tmpDir)
		return
	}
	_ = os.RemoveAll(b.tmpDir)
}

func (b *bench) progressf(format string, args ...any) {
	fmt.Fprintf(b.log, "syncerbench %6.1fs  %s\n", time.Since(b.started).Seconds(), fmt.Sprintf(format, args...))
}

func (b *bench) createDatabase(ctx context.Context, label string) (*database, error) {
	d, err := createDatabase(ctx, b.opts.ServerURL, label)
	if d != nil {
		b.dbs = append(b.dbs, d)
	}
	return d, err
}

// dropDatabase drops d, or with --keep only says where it is.
func (b *bench) dropDatabase(d *database) error {
	b.dbs = slices.DeleteFunc(b.dbs, func(x *database) bool { return x == d })
	if b.opts.Keep {
		d.Pool.Close()
		b.progressf("kept database %s", d.Name)
		return nil
	}
	if err := d.drop(b.opts.ServerURL); err != nil {
		return fmt.Errorf("drop database %s: %w", d.Name, err)
	}
	return nil
}

// runAll runs the selected scenarios in order. It returns the results so far
// with the first error, so that a failure still shows the figures measured.
func (b *bench) runAll(ctx context.Context) (*results, error) {
	res := &results{Machine: b.machine, Size: b.opts.Size, Comments: b.opts.Comments}
	defer func() { res.Machine.LoadAfter = loadAverage() }()
	o := b.opts

	// copy, incremental and memory build on the main backfill: its database,
	// its fake API, its figures.
	if !(o.has("backfill") || o.has("copy") || o.has("incremental") || o.has("memory")) {
		return res, b.runIndependent(ctx, res)
	}
	primary, bf, err := b.backfillScenario(ctx)
	res.Backfill = bf
	defer func() { b.closeMirror(primary) }()
	if err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	if o.has("copy") {
		if res.Copy, res.BareCopy, err = b.bothCopies(ctx, primary, bf); err != nil {
			return res, err
		}
		res.addRatios(res.Copy, res.BareCopy)
	}
	if o.has("incremental") {
		res.Incremental, err = b.incrementalScenario(ctx, primary)
		if err != nil {
			return res, fmt.Errorf("incremental: %w", err)
		}
	}
	// The main mirror is no longer needed: drop it before the next scenarios
	// so that its database does not weigh on them.
	b.closeMirror(primary)
	primary = nil
	// Further backfills and COPYs, as the first ran: alone on the server.
	if o.has("copy") {
		for i := 2; i <= o.Repeat; i++ {
			all, bare, err := b.backfillAndCopy(ctx, i)
			if err != nil {
				return res, fmt.Errorf("backfill and copy %d: %w", i, err)
			}
			res.addRatios(all, bare)
		}
	}
	if o.has("memory") {
		if res.Memory, err = b.memoryScenario(ctx, bf); err != nil {
			return res, fmt.Errorf("memory: %w", err)
		}
	}
	return res, b.runIndependent(ctx, res)
}

// bothCopies loads the backfill's rows with both COPYs, the all-tables one
// first.
func (b *bench) bothCopies(ctx context.Context, m *mirror, bf *backfillResult) (all, bare *copyResult, err error) {
	if all, err = b.copyScenario(ctx, m, bf); err != nil {
		return all, nil, fmt.Errorf("copy: %w", err)
	}
	if bare, err = b.bareCopyScenario(ctx, m, bf); err != nil {
		return all, bare, fmt.Errorf("bare copy: %w", err)
	}
	return all, bare, nil
}

// backfillAndCopy measures the backfill and both its COPYs once more, in
// fresh databases, for --repeat.
func (b *bench) backfillAndCopy(ctx context.Context, n int) (all, bare *copyResult, err error) {
	m, err := b.newMirror(ctx, fmt.Sprintf("backfill_%d", n), b.opts.Size, devrevtest.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer b.closeMirror(m)
	bf, err := b.measureBackfill(ctx, m, passSpec{Label: fmt.Sprintf("backfill_%d", n), Processes: 1, Workers: b.opts.Workers})
	if err != nil {
		return nil, nil, err
	}
	return b.bothCopies(ctx, m, bf)
}

// median is the middle of values (the mean of the two middle ones for an
// even count).
func median(values []float64) float64 {
	s := slices.Sorted(slices.Values(values))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// runIndependent runs the scenarios that need nothing from the main backfill.
func (b *bench) runIndependent(ctx context.Context, res *results) error {
	for _, s := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"ratelimit", into(&res.RateLimit, b.rateLimitScenario)},
		{"latency", into(&res.Latency, b.latencyScenario)},
		{"webhooks", into(&res.Webhooks, b.webhooksScenario)},
		{"vendors", into(&res.Vendors, b.vendorsScenario)},
	} {
		if !b.opts.has(s.name) {
			continue
		}
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// into runs scenario and keeps its result in *result, even with an error:
// a failure still shows the figures measured.
func into[R any](result **R, scenario func(context.Context) (*R, error)) func(context.Context) error {
	return func(ctx context.Context) (err error) {
		*result, err = scenario(ctx)
		return err
	}
}

// errNotExact marks a mirror that differs from its source.
var errNotExact = errors.New("the mirror is not exact")

// notExactError lists the first differences.
func notExactError(label string, diffs []string) error {
	shown := diffs[:min(len(diffs), 10)]
	return fmt.Errorf("%s: %w: %d difference(s), first:\n  %s", label, errNotExact, len(diffs), strings.Join(shown, "\n  "))
}

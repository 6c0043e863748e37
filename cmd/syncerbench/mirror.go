package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// mirror is a fake API and a migrated database that a scenario syncs
// between, with the syncer children's environment to do it.
type mirror struct {
	Label         string
	Conversations int
	API           *fakeAPI
	DB            *database
	// DevRev is the workspace of a DevRev mirror (nil for other vendors),
	// which the DevRev scenarios change, and DevRevServer its fake API.
	DevRev       *devrevtest.Workspace
	DevRevServer *devrevtest.Server
}

// Source is the name of the mirror's source.
func (m *mirror) Source() string { return m.API.Vendor.Source() }

// newMirror generates a DevRev workspace of n conversations, serves it with
// opts and creates a database migrated by `syncer migrate`.
func (b *bench) newMirror(ctx context.Context, label string, n int, opts devrevtest.Options) (*mirror, error) {
	b.progressf("%s: generating %d conversations (%d comments on average)", label, n, b.opts.Comments)
	opts.Seed, opts.Token = b.opts.Seed, randomToken()
	ws := generate(b.opts.Seed, n, b.opts.Comments)
	srv := devrevtest.NewServer(ws, opts)
	m, err := b.serveMirror(ctx, label, n, devrevFake(ws, srv, opts.Token, limitSpec{}))
	if m != nil {
		m.DevRev, m.DevRevServer = ws, srv
	}
	return m, err
}

// serveMirror serves v, which holds n conversations, and creates a
// database migrated by `syncer migrate`.
func (b *bench) serveMirror(ctx context.Context, label string, n int, v *vendorFake) (*mirror, error) {
	api, err := startFakeAPI(v)
	if err != nil {
		return nil, err
	}
	m := &mirror{Label: label, Conversations: n, API: api}
	if m.DB, err = b.createDatabase(ctx, label); err != nil {
		b.closeMirror(m)
		return nil, err
	}
	if _, err := b.syncer.run(ctx, label+"-migrate", m.env(0), "migrate"); err != nil {
		b.closeMirror(m)
		return nil, err
	}
	return m, nil
}

// closeMirror stops the fake API and drops the database; nil is a no-op.
func (b *bench) closeMirror(m *mirror) {
	if m == nil {
		return
	}
	if m.API != nil {
		if err := m.API.close(); err != nil {
			b.progressf("warning: %s: %v", m.Label, err)
		}
		m.API = nil
	}
	if m.DB != nil {
		if err := b.dropDatabase(m.DB); err != nil {
			b.progressf("warning: %v", err)
		}
		m.DB = nil
	}
}

// env is the environment of a syncer child mirroring m; workers 0 is the
// default a user gets.
func (m *mirror) env(workers int) childEnv {
	return childEnv{DatabaseURL: m.DB.URL, Source: m.API.Vendor.Env(m.API.URL), Workers: workers}
}

// passSpec says how to run a pass: `syncer <Command>` in Processes
// processes with Workers workers each (0: the default a user gets).
type passSpec struct {
	Label   string
	Command string
	// Args follow the command.
	Args      []string
	Processes int
	Workers   int
	// Join starts the second and later processes once the first has reached
	// the API, so that they join its pass instead of starting it with it.
	Join bool
}

// passResult is what one pass (`syncer backfill` or `syncer sync`, in one or
// more processes) cost.
type passResult struct {
	Processes int     `json:"processes"`
	Workers   int     `json:"workers,omitempty"` // 0: the default
	Join      bool    `json:"join,omitempty"`
	Seconds   float64 `json:"seconds"` // wall time, from the first start to the last exit
	// APISeconds is the time from the first request the fake API received
	// to the end of the last one: the pass without process start-up and
	// shut-down.
	APISeconds   float64 `json:"api_seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"` // the highest of the processes
	// PeakLiveHeapBytes is the largest Go heap that survived a collection,
	// the highest of the processes.
	PeakLiveHeapBytes int64          `json:"peak_live_heap_bytes"`
	Requests          int            `json:"requests"`
	RateLimited       int            `json:"rate_limited"`
	ByEndpoint        map[string]int `json:"requests_by_endpoint"`
	// Failures are the errors of the processes that failed while another
	// one completed the pass.
	Failures []string `json:"failures,omitempty"`
	CPU      cpuSplit `json:"cpu"`
	// Database is what the mirror's database cost the server meanwhile.
	Database dbCost `json:"database"`
}

// cpuSplit is where the machine's CPU time went during a pass, in seconds:
// syncer's processes, the bench process (the fake API, mostly), PostgreSQL,
// and the rest: whatever else runs on the machine. The figures are only as
// quiet as the machine.
type cpuSplit struct {
	Syncer     float64 `json:"syncer_seconds"`
	API        float64 `json:"api_seconds"`
	PostgreSQL float64 `json:"postgresql_seconds"` // the whole server, other databases included
	// Busy is the machine's busy CPU time over every core, Capacity the
	// wall time times the cores; both 0 when unknown.
	Busy     float64 `json:"machine_busy_seconds"`
	Capacity float64 `json:"machine_capacity_seconds"`
}

// Rest is the busy time used by other processes.
func (c cpuSplit) Rest() float64 { return max(0, c.Busy-c.Syncer-c.API-c.PostgreSQL) }

// cpuMeter takes the CPU readings a cpuSplit is the difference of.
type cpuMeter struct {
	api, pg, busy, capacity time.Duration
	pgErr, machineErr       error
}

func readCPU() cpuMeter {
	var m cpuMeter
	m.api = selfCPU()
	m.pg, m.pgErr = postgresCPU()
	m.busy, m.capacity, m.machineErr = machineCPU()
	return m
}

// since returns the split from m to now; syncer's part comes from its
// processes' own accounting.
func (m cpuMeter) since(syncer float64) cpuSplit {
	now := readCPU()
	c := cpuSplit{Syncer: syncer, API: (now.api - m.api).Seconds()}
	if m.pgErr == nil && now.pgErr == nil {
		c.PostgreSQL = (now.pg - m.pg).Seconds()
	}
	if m.machineErr == nil && now.machineErr == nil {
		c.Busy, c.Capacity = (now.busy - m.busy).Seconds(), (now.capacity - m.capacity).Seconds()
	}
	return c
}

// runPass runs spec against m and measures it. The fake API's counters are
// reset first, so Requests counts this pass only. It fails when no process
// succeeded; the failures of some are in the result.
func (b *bench) runPass(ctx context.Context, m *mirror, spec passSpec) (passResult, error) {
	m.API.reset()
	res := passResult{Processes: spec.Processes, Workers: spec.Workers, Join: spec.Join && spec.Processes > 1}
	cpu := readCPU()
	meter := startDBMeter(ctx, m.DB.Pool)
	var syncerCPU float64
	started := time.Now()
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		errs      []error
		failed    int
		firstDone = make(chan struct{}) // closed when the first process exits
	)
	for i := range spec.Processes {
		if i == 1 && spec.Join {
			m.API.waitFirstRequest(ctx, firstDone)
		}
		label := fmt.Sprintf("%s-%s-%d", spec.Label, spec.Command, i+1)
		c, err := b.syncer.start(ctx, label, m.env(spec.Workers), append([]string{spec.Command}, spec.Args...)...)
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			failed = spec.Processes // a process that could not start: nothing to measure
			mu.Unlock()
			break
		}
		wg.Go(func() {
			run, err := c.wait()
			if i == 0 {
				close(firstDone)
			}
			mu.Lock()
			defer mu.Unlock()
			res.PeakRSSBytes = max(res.PeakRSSBytes, run.MaxRSS)
			res.PeakLiveHeapBytes = max(res.PeakLiveHeapBytes, run.PeakLiveHeap)
			syncerCPU += run.CPU.Seconds()
			if err != nil {
				errs = append(errs, err)
				res.Failures = append(res.Failures, firstLine(err.Error()))
				failed++
			}
		})
	}
	wg.Wait()
	res.Seconds = time.Since(started).Seconds()
	res.CPU = cpu.since(syncerCPU)
	res.Database = meter.end(ctx)
	res.APISeconds = m.API.activeSpan().Seconds()
	st := m.API.Vendor.Stats()
	res.Requests, res.RateLimited, res.ByEndpoint = st.Total, st.RateLimited, st.ByEndpoint
	if failed >= spec.Processes {
		return res, errors.Join(errs...)
	}
	for _, err := range errs {
		b.progressf("warning: %v", err)
	}
	return res, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// checkExact compares m's database with its workspace, field by field.
func (b *bench) checkExact(ctx context.Context, m *mirror, label string) error {
	b.progressf("%s: checking the mirror against the source", label)
	diffs, err := m.API.Vendor.Compare(ctx, dbq.New(m.DB.Pool))
	if err != nil {
		return fmt.Errorf("compare the mirror: %w", err)
	}
	if len(diffs) > 0 {
		return notExactError(label, diffs)
	}
	return nil
}

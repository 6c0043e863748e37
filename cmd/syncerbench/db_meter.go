package main

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// dbMeter measures what one database cost the server while it runs: the CPU
// time of the backends connected to it (its autovacuum workers included),
// which, unlike postgresCPU, leaves out other databases' work on a shared
// server, and the WAL the server wrote meanwhile. The WAL position is the
// server's, so other databases' writes count too: on a quiet server they
// are nothing.
type dbMeter struct {
	pool     *pgxpool.Pool
	startLSN string
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	cpu      map[int64]time.Duration // the latest reading per backend
}

// dbCost is what a dbMeter measured.
type dbCost struct {
	// BackendCPUSeconds is the CPU time of the database's backends; 0 where
	// /proc cannot be read (not Linux, or a server on another machine).
	BackendCPUSeconds float64 `json:"backend_cpu_seconds"`
	// Backends is how many backends were seen.
	Backends int `json:"backends"`
	// WALBytes is the WAL the whole server wrote.
	WALBytes int64 `json:"wal_bytes"`
}

// meterSampleEvery is how often the backends are listed: a backend that
// exits loses at most this much of its CPU time from the figure.
const meterSampleEvery = 100 * time.Millisecond

// startDBMeter starts sampling pool's database. The statements read
// PostgreSQL's catalogs, not syncer's data, so they are here rather than in
// db/queries.
func startDBMeter(ctx context.Context, pool *pgxpool.Pool) *dbMeter {
	m := &dbMeter{pool: pool, stop: make(chan struct{}), done: make(chan struct{}), cpu: map[int64]time.Duration{}}
	_ = pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&m.startLSN)
	go m.run(ctx)
	return m
}

func (m *dbMeter) run(ctx context.Context) {
	defer close(m.done)
	tick := time.NewTicker(meterSampleEvery)
	defer tick.Stop()
	for {
		m.sample(ctx)
		select {
		case <-m.stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sample reads the CPU time of every backend of the database but the
// meter's own.
func (m *dbMeter) sample(ctx context.Context) {
	rows, err := m.pool.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return
	}
	var pids []int64
	for rows.Next() {
		var pid int64
		if rows.Scan(&pid) == nil {
			pids = append(pids, pid)
		}
	}
	rows.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, pid := range pids {
		if cpu, ok := processCPU(pid); ok {
			m.cpu[pid] = max(m.cpu[pid], cpu)
		}
	}
}

// end stops the sampling, takes a last reading and returns the cost.
func (m *dbMeter) end(ctx context.Context) dbCost {
	close(m.stop)
	<-m.done
	m.sample(ctx)
	var c dbCost
	m.mu.Lock()
	for _, cpu := range m.cpu {
		c.BackendCPUSeconds += cpu.Seconds()
	}
	c.Backends = len(m.cpu)
	m.mu.Unlock()
	if m.startLSN != "" {
		_ = m.pool.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::int8", m.startLSN).Scan(&c.WALBytes)
	}
	return c
}

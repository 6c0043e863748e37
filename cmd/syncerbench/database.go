package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/db/dbq"
)

// database is one scenario's database on the bench's server.
type database struct {
	Name string
	URL  string
	Pool *pgxpool.Pool
}

// serverVersion checks that the server answers and returns its version, so
// that a missing server fails before the build and the generation.
func serverVersion(ctx context.Context, serverURL string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL (set --database-url or BENCH_DATABASE_URL): %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	return v, nil
}

// createDatabase creates syncer_bench_<label>_<unix>_<random> on the server
// at serverURL and connects to it: unique, since a kept database (--keep) or
// another bench run may hold the same label from the same second.
func createDatabase(ctx context.Context, serverURL, label string) (*database, error) {
	name := fmt.Sprintf("syncer_bench_%s_%d_%04x", label, time.Now().Unix(), rand.Uint32()&0xffff)
	if err := adminExec(ctx, serverURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("parse server URL: %w", err)
	}
	u.Path = "/" + name
	d := &database{Name: name, URL: u.String()}
	if d.Pool, err = pgxpool.New(ctx, d.URL); err != nil {
		return d, fmt.Errorf("connect to %s: %w", name, err)
	}
	return d, nil
}

// drop closes the pool and drops the database, even with syncer children
// still connected (WITH (FORCE)). It uses its own context: it runs on the way
// out, also after an interrupt.
func (d *database) drop(serverURL string) error {
	if d.Pool != nil {
		d.Pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return adminExec(ctx, serverURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.Name}.Sanitize()+" WITH (FORCE)")
}

// adminExec runs one statement on the server's maintenance database. CREATE
// and DROP DATABASE cannot run in a transaction, so not through a pool's
// prepared statements either.
func adminExec(ctx context.Context, serverURL, sql string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql); err != nil {
		return err
	}
	return nil
}

// rowCounts returns the live and deleted rows per table for source, through
// the query `syncer status` uses.
func rowCounts(ctx context.Context, pool *pgxpool.Pool, source string) (map[string]int64, error) {
	rows, err := dbq.New(pool).RowCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		if r.Source == source {
			out[r.Tbl] = r.Total
		}
	}
	return out, nil
}

// writeStats is what PostgreSQL counted in a database: the work behind the
// rows, to compare with what COPY needs (one insert per row, no update).
type writeStats struct {
	// Transactions committed in the database.
	Transactions int64 `json:"transactions"`
	// Mirror sums the mirrored tables; River is river_job, the queue.
	Mirror tableWrites `json:"mirror_tables"`
	River  tableWrites `json:"river_job"`
}

type tableWrites struct {
	Inserted int64 `json:"inserted"`
	Updated  int64 `json:"updated"`
	Deleted  int64 `json:"deleted"`
}

// readWriteStats reads the statistics views once every other session of the
// database has ended, since a backend reports its counts at the latest when
// it exits. The statements read PostgreSQL's catalogs, not syncer's data, so
// they are here rather than in db/queries.
func readWriteStats(ctx context.Context, pool *pgxpool.Pool) (writeStats, error) {
	var ws writeStats
	deadline := time.Now().Add(5 * time.Second)
	for {
		var others int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&others)
		if err != nil {
			return ws, fmt.Errorf("read pg_stat_activity: %w", err)
		}
		if others == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Each pool connection caches a statistics snapshot per transaction; a
	// fresh one is taken for every statement outside a transaction.
	err := pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&ws.Transactions)
	if err != nil {
		return ws, fmt.Errorf("read pg_stat_database: %w", err)
	}
	rows, err := pool.Query(ctx, `SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables`)
	if err != nil {
		return ws, fmt.Errorf("read pg_stat_user_tables: %w", err)
	}
	defer rows.Close()
	mirrored := map[string]bool{}
	for _, t := range mirroredTables() {
		mirrored[t] = true
	}
	for rows.Next() {
		var name string
		var w tableWrites
		if err := rows.Scan(&name, &w.Inserted, &w.Updated, &w.Deleted); err != nil {
			return ws, fmt.Errorf("read pg_stat_user_tables: %w", err)
		}
		switch {
		case mirrored[name]:
			ws.Mirror.Inserted += w.Inserted
			ws.Mirror.Updated += w.Updated
			ws.Mirror.Deleted += w.Deleted
		case name == "river_job":
			ws.River = w
		}
	}
	if err := rows.Err(); err != nil {
		return ws, fmt.Errorf("read pg_stat_user_tables: %w", err)
	}
	return ws, nil
}

// countMirrorRows counts the rows of every mirrored table.
func countMirrorRows(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var total int64
	for _, table := range mirroredTables() {
		var n int64
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			return 0, fmt.Errorf("count %s: %w", table, err)
		}
		total += n
	}
	return total, nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// mirroredTables are the tables a DevRev backfill fills, parents first.
func mirroredTables() []string {
	return []string{
		"users", "chats", "chat_members", "conversations", "conversation_participants",
		"conversation_tags", "sla_summaries", "sla_metrics", "messages", "attachments",
	}
}

// bareTables are the tables of the bare COPY: the conversations and their
// messages, raw records included, and nothing syncer adds around them.
func bareTables() []string { return []string{"conversations", "messages"} }

// copyResult is an ingest limit: rows the backfill produced, loaded with
// COPY into a fresh database, on one connection, one transaction per table.
// The all-tables COPY loads every mirrored table into syncer's own schema
// (same keys and indexes); the bare COPY loads only the conversations and
// messages into tables with their primary keys and the messages-by-
// conversation index: the physical limit of getting those rows into
// PostgreSQL.
type copyResult struct {
	// Bare says which of the two this is.
	Bare    bool        `json:"bare"`
	Tables  []tableCopy `json:"tables"`
	Rows    int64       `json:"rows"`
	Seconds float64     `json:"seconds"` // COPY and commit only; reading the rows is not timed
	// RowsPerSec is the COPY rate over all tables.
	RowsPerSec float64 `json:"rows_per_sec"`
	// ConversationsPerSec and MessagesPerSec are the backfill's conversations
	// and messages over the COPY time: what syncer would do at the ingest
	// limit.
	ConversationsPerSec float64 `json:"conversations_per_sec"`
	MessagesPerSec      float64 `json:"messages_per_sec"`
	// SyncerRatio is syncer's rate over COPY's (the same for conversations,
	// messages and rows, since both load the same rows): COPY's time over
	// the backfill's, the figure of the earlier target (≥ 0.5).
	SyncerRatio float64 `json:"syncer_ratio"`
	// TimeRatio is the backfill's wall time over the COPY's: the backfill
	// takes TimeRatio× the COPY. Against the bare COPY the target is ≤ 1.5.
	TimeRatio float64 `json:"time_ratio"`
	// SyncerAPIRatio is the same with syncer timed from its first request to
	// its last, without process start-up.
	SyncerAPIRatio float64 `json:"syncer_api_ratio"`
	// PostgreSQLCPUSeconds is the server's CPU time during the COPYs (the
	// whole server: other databases' work included).
	PostgreSQLCPUSeconds float64 `json:"postgresql_cpu_seconds"`
	// Database is what the COPYs cost the server: their backend's CPU
	// time and the WAL written.
	Database dbCost `json:"database"`
}

type tableCopy struct {
	Table   string  `json:"table"`
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
}

// copyScenario loads the rows of the main backfill's database into a second
// fresh migrated database with COPY, timing only the COPY.
func (b *bench) copyScenario(ctx context.Context, src *mirror, bf *backfillResult) (*copyResult, error) {
	dst, err := b.createDatabase(ctx, "copy")
	if err != nil {
		return nil, err
	}
	defer b.dropQuietly(dst)
	if _, err := b.syncer.run(ctx, "copy-migrate", childEnv{DatabaseURL: dst.URL}, "migrate"); err != nil {
		return nil, err
	}
	b.progressf("copy: loading the backfill's rows with COPY into %s", dst.Name)
	res, err := copyRows(ctx, src.DB.Pool, dst.Pool, mirroredTables(), bf)
	if err != nil {
		return res, err
	}
	b.progressf("copy: %d rows in %.2fs (%.0f rows/s); the backfill takes %.2fx the COPY", res.Rows, res.Seconds, res.RowsPerSec, res.TimeRatio)
	return res, nil
}

// bareCopyScenario loads the backfill's conversations and messages into bare
// tables of a fresh database (see copyResult), timing only the COPY.
func (b *bench) bareCopyScenario(ctx context.Context, src *mirror, bf *backfillResult) (*copyResult, error) {
	dst, err := b.createDatabase(ctx, "bare")
	if err != nil {
		return nil, err
	}
	defer b.dropQuietly(dst)
	if err := createBareTables(ctx, src.DB.Pool, dst.Pool); err != nil {
		return nil, err
	}
	b.progressf("bare copy: loading the backfill's conversations and messages with COPY into %s", dst.Name)
	res, err := copyRows(ctx, src.DB.Pool, dst.Pool, bareTables(), bf)
	if err != nil {
		return res, err
	}
	res.Bare = true
	b.progressf("bare copy: %d rows in %.2fs (%.0f rows/s); the backfill takes %.2fx the bare COPY", res.Rows, res.Seconds, res.RowsPerSec, res.TimeRatio)
	return res, nil
}

func (b *bench) dropQuietly(d *database) {
	if err := b.dropDatabase(d); err != nil {
		b.progressf("warning: %v", err)
	}
}

// copyRows copies tables from src to dst, one transaction per table, and
// compares the time with the backfill's.
func copyRows(ctx context.Context, src, dst *pgxpool.Pool, tables []string, bf *backfillResult) (*copyResult, error) {
	res := &copyResult{}
	meter := startDBMeter(ctx, dst)
	defer func() { res.Database = meter.end(ctx) }()
	for _, table := range tables {
		cols, rows, err := readTable(ctx, src, table)
		if err != nil {
			return res, err
		}
		cpu := readCPU()
		elapsed, err := copyTable(ctx, dst, table, cols, rows)
		if err != nil {
			return res, err
		}
		res.PostgreSQLCPUSeconds += cpu.since(0).PostgreSQL
		res.Tables = append(res.Tables, tableCopy{Table: table, Rows: int64(len(rows)), Seconds: elapsed.Seconds()})
		res.Rows += int64(len(rows))
		res.Seconds += elapsed.Seconds()
	}
	res.RowsPerSec = float64(res.Rows) / res.Seconds
	res.ConversationsPerSec = float64(bf.Conversations) / res.Seconds
	res.MessagesPerSec = float64(bf.Messages) / res.Seconds
	res.SyncerRatio = bf.ConversationsPerSec / res.ConversationsPerSec
	res.TimeRatio = bf.Pass.Seconds / res.Seconds
	res.SyncerAPIRatio = res.Seconds / bf.Pass.APISeconds
	return res, nil
}

// createBareTables creates the bare tables in dst with the columns (names,
// types, NOT NULL) of syncer's tables in src, so that the same rows load,
// but only the primary keys and the messages-by-conversation index: no
// check constraints, defaults or other indexes.
func createBareTables(ctx context.Context, src, dst *pgxpool.Pool) error {
	indexes := map[string][]string{
		"messages": {"CREATE INDEX ON messages (source, conversation_id, created_at)"},
	}
	for _, table := range bareTables() {
		cols, err := columnDefinitions(ctx, src, table)
		if err != nil {
			return err
		}
		ddl := "CREATE TABLE " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(cols, ", ") + ", PRIMARY KEY (source, id))"
		for _, stmt := range append([]string{ddl}, indexes[table]...) {
			if _, err := dst.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("create bare %s: %w", table, err)
			}
		}
	}
	return nil
}

// columnDefinitions returns table's columns in src as column definitions.
func columnDefinitions(ctx context.Context, src *pgxpool.Pool, table string) ([]string, error) {
	rows, err := src.Query(ctx, `SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, table)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	var cols []string
	var name, typ string
	var notNull bool
	_, err = pgx.ForEachRow(rows, []any{&name, &typ, &notNull}, func() error {
		col := pgx.Identifier{name}.Sanitize() + " " + typ
		if notNull {
			col += " NOT NULL"
		}
		cols = append(cols, col)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	return cols, nil
}

// readTable reads every row of table with its column names. jsonb columns
// are read as their JSON text, so that COPY writes back exactly what was
// read: decoding into Go maps would cost time and could change numbers.
//
// The statements here are not in db/queries: they are generic over the
// tables, a measuring device rather than part of syncer.
func readTable(ctx context.Context, pool *pgxpool.Pool, table string) ([]string, [][]any, error) {
	rows, err := pool.Query(ctx, "SELECT * FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
	}
	var out [][]any
	for rows.Next() {
		targets := make([]any, len(fields))
		for i, f := range fields {
			if f.DataTypeOID == pgtype.JSONBOID {
				targets[i] = new(json.RawMessage)
			} else {
				targets[i] = new(any)
			}
		}
		if err := rows.Scan(targets...); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", table, err)
		}
		vals := make([]any, len(fields))
		for i, t := range targets {
			switch t := t.(type) {
			case *json.RawMessage:
				if *t != nil {
					vals[i] = *t
				}
			case *any:
				vals[i] = *t
			}
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", table, err)
	}
	return cols, out, nil
}

// copyTable loads rows into table in one transaction and returns how long
// the COPY and the commit took.
func copyTable(ctx context.Context, pool *pgxpool.Pool, table string, cols []string, rows [][]any) (time.Duration, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, err)
	}
	defer conn.Release()
	started := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("copy %s: commit: %w", table, err)
	}
	elapsed := time.Since(started)
	if n != int64(len(rows)) {
		return elapsed, fmt.Errorf("copy %s: %d rows copied, want %d", table, n, len(rows))
	}
	return elapsed, nil
}

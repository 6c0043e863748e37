package main

import (
	"context"
	"encoding/json"
	"fmt"
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

// copyResult is the ingest limit: the rows the backfill produced, loaded
// with COPY into the same tables (same keys and indexes) of a fresh
// database, on one connection, one transaction per table.
type copyResult struct {
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
	// messages and rows, since both load the same rows): the target is ≥ 0.5.
	SyncerRatio float64 `json:"syncer_ratio"`
	// SyncerAPIRatio is the same with syncer timed from its first request to
	// its last, without process start-up.
	SyncerAPIRatio float64 `json:"syncer_api_ratio"`
	// PostgreSQLCPUSeconds is the server's CPU time during the COPYs (the
	// whole server: other databases' work included).
	PostgreSQLCPUSeconds float64 `json:"postgresql_cpu_seconds"`
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
	defer func() {
		if err := b.dropDatabase(dst); err != nil {
			b.progressf("warning: %v", err)
		}
	}()
	if _, err := b.syncer.run(ctx, "copy-migrate", childEnv{DatabaseURL: dst.URL}, "migrate"); err != nil {
		return nil, err
	}
	b.progressf("copy: loading the backfill's rows with COPY into %s", dst.Name)

	res := &copyResult{}
	for _, table := range mirroredTables() {
		cols, rows, err := readTable(ctx, src.DB.Pool, table)
		if err != nil {
			return res, err
		}
		cpu := readCPU()
		elapsed, err := copyTable(ctx, dst.Pool, table, cols, rows)
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
	res.SyncerAPIRatio = res.Seconds / bf.Pass.APISeconds
	b.progressf("copy: %d rows in %.2fs (%.0f rows/s); syncer is at %.2f of COPY", res.Rows, res.Seconds, res.RowsPerSec, res.SyncerRatio)
	return res, nil
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

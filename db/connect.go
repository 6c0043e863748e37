package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrBadURL means a database URL could not be parsed. Its text never holds
// the URL, which may hold a password.
var ErrBadURL = errors.New("DATABASE_URL is not a valid PostgreSQL URL")

// UnreachableError means the database did not answer at start.
type UnreachableError struct {
	Host     string
	Port     uint16
	Database string
	Err      error // its text holds no password
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("database %s:%d/%s is unreachable: %v", e.Host, e.Port, e.Database, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Connect opens the pool every command uses and checks the database
// answers, so that a wrong URL is one clear line at start. onConnect, when
// set, runs for every connection the pool opens.
//
// Commits are durable when acknowledged (synchronous_commit stays as the
// server has it, on by default): River records a job's end in its own
// transaction after the page's, and if a crash could lose the page's commit
// but not that record, the page would be lost for good. Measured on the
// backfill benchmark, waiting for the WAL flush cost nothing visible (the
// backfill is CPU-bound and concurrent commits share their flushes). What
// the process remembers of its commits (the users it wrote) it still
// forgets whenever a connection opens, in case a server runs with
// synchronous_commit off: that is what onConnect is for.
func Connect(ctx context.Context, url string, onConnect func()) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, ErrBadURL // pgx's parse errors can echo the URL
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (4, or the CPUs) starves the workers; a limit the
		// URL sets (behind PgBouncer, a role's connection limit) stands.
		pcfg.MaxConns = max(pcfg.MaxConns, 20)
	}
	if onConnect != nil {
		pcfg.AfterConnect = func(context.Context, *pgx.Conn) error {
			onConnect()
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		c := pcfg.ConnConfig
		if ctx.Err() != nil {
			// Stopped (a signal) while waiting: no configuration mistake.
			return nil, fmt.Errorf("stopped while waiting for the database %s:%d/%s to answer: %w", c.Host, c.Port, c.Database, ctx.Err())
		}
		return nil, &UnreachableError{Host: c.Host, Port: c.Port, Database: c.Database, Err: redact(cause(err), c.Password)}
	}
	return pool, nil
}

// Where names the pool's database for messages: host:port/name, never the
// password.
func Where(pool *pgxpool.Pool) string {
	c := pool.Config().ConnConfig
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

// cause is what an operator needs of a failed connection, in one line:
// pgx lists every address and attempt ("dial error" twice for one host).
func cause(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr // the server answered: a wrong password, a missing database
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr // dial tcp 127.0.0.1:1: connect: connection refused
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr // lookup db.example: no such host
	}
	// Otherwise the first line says where, the next one why.
	lines := strings.Split(err.Error(), "\n")
	if len(lines) > 1 {
		return errors.New(strings.TrimSuffix(lines[0], ":") + ": " + strings.TrimSpace(lines[1]))
	}
	return err
}

// redact removes a password from an error's text.
func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "[redacted]"))
}

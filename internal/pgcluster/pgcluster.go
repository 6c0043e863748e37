// Package pgcluster starts a private PostgreSQL cluster from the PostgreSQL server binaries
// installed on the machine. `syncer demo` uses it when DATABASE_URL is unset, and tests use it
// when no server is reachable.
package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries is returned when initdb, pg_ctl and postgres cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found (looked in PATH and /usr/lib/postgresql/*/bin); install them with: sudo apt-get install postgresql")

// startTimeout bounds how long pg_ctl waits for the server to accept
// connections: a server restarted after a crash first recovers, which on a
// busy machine can take a minute.
const startTimeout = 3 * time.Minute

var serverBinaries = []string{"initdb", "pg_ctl", "postgres"}

// FindBinaries returns the directory holding initdb, pg_ctl and postgres. It looks in PATH
// first, then in /usr/lib/postgresql/<highest version>/bin (Debian, Ubuntu), then in
// /usr/local/pgsql/bin (source builds).
func FindBinaries() (binDir string, err error) {
	var candidates []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir != "" {
			candidates = append(candidates, dir)
		}
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versioned, func(i, j int) bool { return versionOf(versioned[i]) > versionOf(versioned[j]) })
	candidates = append(candidates, versioned...)
	candidates = append(candidates, "/usr/local/pgsql/bin")

	for _, dir := range candidates {
		if hasServerBinaries(dir) {
			return filepath.Abs(dir)
		}
	}
	return "", ErrNoBinaries
}

// versionOf returns the major version of a /usr/lib/postgresql/<version>/bin directory.
func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// Cluster is a running PostgreSQL server whose data directory is DataDir. It listens on
// 127.0.0.1:Port and trusts every local connection as user postgres.
type Cluster struct {
	// DataDir is the absolute path of the cluster's data directory.
	DataDir string
	// Port is the TCP port the server listens on at 127.0.0.1.
	Port int

	binDir string
	owner  *osUser // nil unless we run as root and drop privileges for PostgreSQL
	// settings are extra server settings, as -c name=value.
	settings []string
}

// Option configures a cluster that Start starts.
type Option func(*Cluster)

// WithoutFsync runs the server with fsync off: for a throwaway cluster that
// tests crash and restart, whose recovery would otherwise first fsync every
// file of the data directory (half a minute on a busy machine). Data
// survives a crash of the server, not of the machine.
func WithoutFsync() Option {
	return func(c *Cluster) { c.settings = append(c.settings, "fsync=off") }
}

// Start returns a running cluster whose data lives in dataDir, creating the directory and
// running initdb if it holds no cluster yet. If a server is already running on dataDir (left
// by an earlier Start in this or another process), Start reuses it; otherwise it starts one on
// a free loopback port.
//
// PostgreSQL refuses to run as root: when the caller is root, the server runs as the OS user
// postgres (or nobody if there is none), Start hands dataDir to that user and adds the execute
// (traverse) permission to those of dataDir's parents that lack it.
func Start(ctx context.Context, dataDir string, opts ...Option) (*Cluster, error) {
	binDir, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: resolving data directory: %w", err)
	}
	c := &Cluster{DataDir: dataDir, binDir: binDir}
	for _, o := range opts {
		o(c)
	}
	if os.Geteuid() == 0 {
		if c.owner, err = unprivilegedUser(); err != nil {
			return nil, fmt.Errorf("pgcluster: running as root: %w", err)
		}
	}

	if err := c.prepareDataDir(ctx); err != nil {
		return nil, err
	}

	if port, ok := c.runningPort(ctx); ok {
		c.Port = port
		return c, nil
	}

	if c.Port, err = freePort(); err != nil {
		return nil, fmt.Errorf("pgcluster: picking a port: %w", err)
	}
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Resume starts a stopped cluster again on the same port, as a restarted
// database server comes back where clients expect it.
func (c *Cluster) Resume(ctx context.Context) error {
	return c.start(ctx)
}

func (c *Cluster) start(ctx context.Context) error {
	logFile := filepath.Join(c.DataDir, "server.log")
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.Port, shellQuote(c.DataDir))
	for _, s := range c.settings {
		opts += " -c " + s
	}
	out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", strconv.Itoa(int(startTimeout/time.Second)),
		"-D", c.DataDir, "-l", logFile, "-o", opts)
	if err != nil {
		return fmt.Errorf("pgcluster: starting server in %s: %w\n%s\nlast lines of %s:\n%s",
			c.DataDir, err, out, logFile, tail(logFile, 20))
	}
	return nil
}

// prepareDataDir creates dataDir, hands it to the server's OS user and runs initdb unless the
// directory already holds a cluster.
func (c *Cluster) prepareDataDir(ctx context.Context) error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: creating data directory: %w", err)
	}
	if c.owner != nil {
		if err := c.owner.own(c.DataDir); err != nil {
			return fmt.Errorf("pgcluster: handing data directory to user %s: %w", c.owner.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(c.DataDir, "PG_VERSION")); err == nil {
		return nil
	}
	out, err := c.run(ctx, "initdb", "-D", c.DataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--no-sync")
	if err != nil {
		return fmt.Errorf("pgcluster: initdb %s: %w\n%s", c.DataDir, err, out)
	}
	return nil
}

// runningPort reports the port of a server already running on the data directory.
func (c *Cluster) runningPort(ctx context.Context) (int, bool) {
	pid, err := os.ReadFile(filepath.Join(c.DataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	if _, err := c.run(ctx, "pg_ctl", "status", "-D", c.DataDir); err != nil {
		return 0, false // stale pid file; pg_ctl start copes with it
	}
	// postmaster.pid lines: pid, data dir, start time, port, socket dir, listen address, ...
	lines := strings.Split(string(pid), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port, err == nil
}

// URL returns the URL of database dbname on the cluster.
func (c *Cluster) URL(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, dbname)
}

// Stop shuts the server down, aborting open transactions (pg_ctl stop -m fast).
func (c *Cluster) Stop(ctx context.Context) error {
	out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.DataDir)
	if err != nil {
		return fmt.Errorf("pgcluster: stopping server in %s: %w\n%s", c.DataDir, err, out)
	}
	return nil
}

// StopImmediate shuts the server down as a crash would (pg_ctl stop -m
// immediate): no checkpoint; the next start recovers from the WAL.
func (c *Cluster) StopImmediate(ctx context.Context) error {
	out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "immediate", "-D", c.DataDir)
	if err != nil {
		return fmt.Errorf("pgcluster: stopping server in %s at once: %w\n%s", c.DataDir, err, out)
	}
	return nil
}

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	return c.onMaintenanceDB(ctx, fmt.Sprintf("create database %q", name), func(conn *pgx.Conn) error {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			return fmt.Errorf("pgcluster: looking up database %q: %w", name, err)
		}
		if exists {
			return nil
		}
		_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
			return nil // created concurrently (duplicate_database, or unique_violation in the catalog)
		}
		if err != nil {
			return fmt.Errorf("pgcluster: creating database %q: %w", name, err)
		}
		return nil
	})
}

// DropDatabase drops database name if it exists, closing its connections.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	return c.onMaintenanceDB(ctx, fmt.Sprintf("drop database %q", name), func(conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("pgcluster: dropping database %q: %w", name, err)
		}
		return nil
	})
}

// onMaintenanceDB runs f on a connection to the cluster's "postgres"
// database, the one to create and drop others from (a database cannot be
// dropped from a connection to itself), and closes it after; purpose says
// in the error what the connection was for.
func (c *Cluster) onMaintenanceDB(ctx context.Context, purpose string, f func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: connecting to %s: %w", purpose, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return f(conn)
}

// run runs a PostgreSQL binary as the cluster's OS user and returns its combined output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.DataDir // the unprivileged user may not be able to enter the caller's directory
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = sysProcAttr(c.owner)
	return cmd.CombinedOutput()
}

// freePort returns a TCP port that is free on 127.0.0.1 right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// shellQuote quotes s for the shell pg_ctl passes its -o options through.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tail returns the last n lines of a file, or a note saying why it cannot.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read: %v)", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

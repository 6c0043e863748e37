package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/pgcluster"
)

// demoMarker is the comment on the databases the demo creates: it drops and
// recreates only those, never a database it did not create.
const demoMarker = "created by syncer demo; safe to drop"

// demoAppName names the demo's connections, so that a second demo sees the
// first is still running.
const demoAppName = "syncer-demo"

// demoDatabase returns the URL of a database the demo owns, fresh for this
// run: its own database on the server DATABASE_URL names, or on a private
// cluster when none is set.
func demoDatabase(ctx context.Context, e env, flags config.Flags) (string, error) {
	name := cmp.Or(lookupNonEmpty(e, "SYNCER_DEMO_DATABASE"), "syncer_demo")
	serverURL := cmp.Or(flags.DatabaseURL, lookupNonEmpty(e, "DATABASE_URL"))
	if serverURL == "" {
		return startDemoCluster(ctx, e, demoDataDir(e), name)
	}
	dbURL, err := ownDatabase(ctx, serverURL, name)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(e.stderr, "demo: mirroring into its own database %s on DATABASE_URL's server (the database DATABASE_URL names is not touched)\n", name)
	return dbURL, nil
}

// ownDatabase creates database name on the server of serverURL, dropping
// the one an earlier demo left, and returns its URL.
func ownDatabase(ctx context.Context, serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", usageError{errors.New("the demo needs DATABASE_URL as a postgres:// URL, to name its own database on that server")}
	}
	conn, err := db.Connect(ctx, serverURL, nil)
	if err != nil {
		return "", usageError{err}
	}
	defer conn.Close()
	var comment *string
	err = conn.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&comment)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return "", fmt.Errorf("look up database %s: %w", name, err)
	case comment == nil || *comment != demoMarker:
		return "", usageError{fmt.Errorf("database %s exists and the demo did not create it; it never touches such a database (set SYNCER_DEMO_DATABASE to another name)", name)}
	default:
		if err := noOtherDemo(ctx, conn, name); err != nil {
			return "", err
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("drop the last demo's database %s: %w", name, err)
		}
	}
	for _, stmt := range []string{
		"CREATE DATABASE " + pgx.Identifier{name}.Sanitize(),
		"COMMENT ON DATABASE " + pgx.Identifier{name}.Sanitize() + " IS '" + demoMarker + "'",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return "", fmt.Errorf("create database %s (the role needs CREATEDB): %w", name, err)
		}
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("application_name", demoAppName)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// noOtherDemo fails when a demo is still running on database name: it would
// go on writing its own workspace into the new database. The connections
// of one that just ended take a moment to go, hence a few looks.
func noOtherDemo(ctx context.Context, pool *pgxpool.Pool, name string) error {
	for range 50 {
		var demos int
		err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2", name, demoAppName).Scan(&demos)
		if err != nil {
			return fmt.Errorf("look for another demo: %w", err)
		}
		if demos == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return usageError{fmt.Errorf("another syncer demo is using database %s; stop it first (or set SYNCER_DEMO_DATABASE to another name)", name)}
}

func lookupNonEmpty(e env, name string) string {
	v, _ := e.lookup(name)
	return strings.TrimSpace(v)
}

// demoDataDir is where the demo keeps its private cluster.
func demoDataDir(e env) string {
	return cmp.Or(lookupNonEmpty(e, "SYNCER_DEMO_DIR"), filepath.Join(os.TempDir(), "syncer-demo", "pgdata"))
}

func startDemoCluster(ctx context.Context, e env, dataDir, name string) (string, error) {
	fmt.Fprintf(e.stderr, "demo: DATABASE_URL is not set; starting a private PostgreSQL cluster in %s\n", dataDir)
	cluster, err := pgcluster.Start(ctx, dataDir)
	if err != nil {
		if errors.Is(err, pgcluster.ErrNoBinaries) {
			return "", usageError{err}
		}
		return "", fmt.Errorf("start private PostgreSQL: %w", err)
	}
	// The cluster is the demo's own: every run starts from an empty
	// database, so that what it shows (and checks) is this run's mirror.
	if err := cluster.DropDatabase(ctx, name); err != nil {
		return "", err
	}
	if err := cluster.CreateDatabase(ctx, name); err != nil {
		return "", err
	}
	fmt.Fprintf(e.stderr, "demo: cluster running on 127.0.0.1:%d; it keeps running after the demo (stop it with '%s')\n",
		cluster.Port, selfCommand("demo --stop"))
	return cluster.URL(name), nil
}

func stopDemoCluster(ctx context.Context, e env, dataDir string) error {
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		fmt.Fprintf(e.stdout, "no demo cluster in %s\n", dataDir)
		return nil
	}
	cluster, err := pgcluster.Start(ctx, dataDir)
	if err != nil {
		return err
	}
	if err := cluster.Stop(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "stopped the demo cluster in %s (remove the directory to delete its data)\n", dataDir)
	return nil
}

// selfCommand is how the user runs syncer with args: `go run` builds the
// binary into a temporary directory that is gone when it exits.
func selfCommand(args string) string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/syncer " + args
	}
	return os.Args[0] + " " + args
}

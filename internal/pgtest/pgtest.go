// Package pgtest gives each test its own fresh database on a real PostgreSQL server.
//
// The server is, in order of preference: TEST_DATABASE_URL (a postgres:// URL of a role that
// may create databases); the local server at 127.0.0.1:5432 as user postgres with trust
// authentication; or a private cluster that the first test process on the machine starts from
// the local PostgreSQL binaries in $TMPDIR/syncer-pgtest and that later processes reuse (it is
// never stopped by tests). With none of them available, tests fail with the reason.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/internal/pgcluster"
)

const (
	// DefaultServerURL is the server tried when TEST_DATABASE_URL is unset.
	DefaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

	testDBPrefix     = "syncer_test_"
	templatePrefix   = "syncer_tpl_"
	templateReady    = "ready"
	staleTestDBAge   = 24 * time.Hour
	operationTimeout = 2 * time.Minute
)

var server struct {
	once sync.Once
	url  string
	err  error
}

// ServerURL returns the URL of the server tests create their databases on (see the package
// comment), finding or starting it on first use. Tests normally call NewDB instead.
func ServerURL(t testing.TB) string {
	t.Helper()
	server.once.Do(func() {
		server.url, server.err = findServer()
		if server.err == nil {
			dropStaleTestDBs(server.url)
		}
	})
	if server.err != nil {
		t.Fatalf("pgtest: no PostgreSQL server for tests: %v", server.err)
	}
	return server.url
}

func findServer() (string, error) {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
	defer cancel()

	pingCtx, pingCancel := context.WithTimeout(ctx, 3*time.Second)
	defer pingCancel()
	conn, pingErr := pgx.Connect(pingCtx, DefaultServerURL)
	if pingErr == nil {
		conn.Close(ctx)
		return DefaultServerURL, nil
	}

	cluster, err := startSharedCluster(ctx)
	if err != nil {
		return "", fmt.Errorf("TEST_DATABASE_URL is unset, %s does not answer (%v), and a private cluster could not be started: %w",
			DefaultServerURL, pingErr, err)
	}
	return cluster.URL("postgres"), nil
}

// startSharedCluster starts (or finds running) the machine's private test cluster. A lock file
// keeps concurrent `go test` package processes from initializing or starting it twice.
func startSharedCluster(ctx context.Context) (*pgcluster.Cluster, error) {
	dataDir := filepath.Join(os.TempDir(), "syncer-pgtest")
	lock, err := os.OpenFile(dataDir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	defer lock.Close() // releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	return pgcluster.Start(ctx, dataDir)
}

// NewDB creates an empty database for the test, drops it when the test ends, and returns its
// URL.
func NewDB(t testing.TB) string {
	t.Helper()
	return newDB(t, "")
}

// ReserveDB returns a database name unique to the test, for a program under
// test to create on the test server: it is dropped, if it exists, when the
// test ends (and by the stale-database sweep should the process die first).
func ReserveDB(t testing.TB) string {
	t.Helper()
	serverURL := ServerURL(t)
	name := fmt.Sprintf("%s%d_%s", testDBPrefix, time.Now().Unix(), randomHex(4))
	t.Cleanup(func() {
		if err := exec(serverURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return name
}

// NewTemplatedDB is NewDB for a database cloned from template database "syncer_tpl_<key>".
// The template is created and passed to prepare (with its URL) once per key for every test
// process sharing the server; later calls, in any process, reuse it. prepare must close every
// connection it opens. Callers make key change whenever what prepare does changes (for example
// by including a hash of the migrations), so that a stale template is never reused. key may
// hold lowercase letters, digits and underscores, at most 52 of them.
func NewTemplatedDB(t testing.TB, key string, prepare func(ctx context.Context, url string) error) string {
	t.Helper()
	if !validKey.MatchString(key) {
		t.Fatalf("pgtest: template key %q: want 1 to 52 of [a-z0-9_]", key)
	}
	tpl := templatePrefix + key
	ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
	defer cancel()
	if err := ensureTemplate(ctx, ServerURL(t), tpl, prepare); err != nil {
		t.Fatalf("pgtest: preparing template database %s: %v", tpl, err)
	}
	return newDB(t, tpl)
}

var validKey = regexp.MustCompile(`^[a-z0-9_]{1,52}$`)

// NewPool returns a pool connected to url, closed when the test ends.
func NewPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connecting to %s: %v", url, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// newDB creates a uniquely named database, from template tpl unless it is empty.
func newDB(t testing.TB, tpl string) string {
	t.Helper()
	serverURL := ServerURL(t)
	name := fmt.Sprintf("%s%d_%s", testDBPrefix, time.Now().Unix(), randomHex(4))

	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if tpl != "" {
		sql += " TEMPLATE " + pgx.Identifier{tpl}.Sanitize()
	}
	if err := exec(serverURL, sql); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(serverURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})

	dbURL, err := withDatabase(serverURL, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dbURL
}

// ensureTemplate makes sure template database tpl exists and is ready, building it with
// prepare under an advisory lock if not.
func ensureTemplate(ctx context.Context, serverURL, tpl string, prepare func(ctx context.Context, url string) error) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close(context.Background()) // also releases the advisory lock

	if ready, err := templateState(ctx, conn, tpl); err != nil || ready {
		return err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey(tpl)); err != nil {
		return fmt.Errorf("waiting for lock: %w", err)
	}
	ready, err := templateState(ctx, conn, tpl) // another process may have built it meanwhile
	if err != nil || ready {
		return err
	}

	ident := pgx.Identifier{tpl}.Sanitize()
	// A template left half-prepared by a crashed process is rebuilt from scratch.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping unfinished template: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("creating: %w", err)
	}
	tplURL, err := withDatabase(serverURL, tpl)
	if err != nil {
		return err
	}
	if err := prepare(ctx, tplURL); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	// Cloning fails while anything is connected to the template: refuse new connections and
	// end any that prepare left open.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("closing to connections: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", tpl); err != nil {
		return fmt.Errorf("ending connections left open: %w", err)
	}
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+ident+" IS '"+templateReady+"'"); err != nil {
		return fmt.Errorf("marking ready: %w", err)
	}
	return nil
}

// templateState reports whether template database tpl exists and is marked ready.
func templateState(ctx context.Context, conn *pgx.Conn, tpl string) (ready bool, err error) {
	err = conn.QueryRow(ctx,
		"SELECT coalesce(shobj_description(oid, 'pg_database'), '') = $2 FROM pg_database WHERE datname = $1",
		tpl, templateReady).Scan(&ready)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking up: %w", err)
	}
	return ready, nil
}

// lockKey derives the advisory lock key that serializes building template tpl.
func lockKey(tpl string) int64 {
	h := fnv.New64a()
	h.Write([]byte("syncer/pgtest:" + tpl))
	return int64(h.Sum64())
}

// dropStaleTestDBs drops test databases created more than a day ago, left behind by test
// processes that were killed before their cleanup ran. Failures are ignored: it is a courtesy.
func dropStaleTestDBs(serverURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())

	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", testDBPrefix)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		// Names are syncer_test_<unix seconds>_<random>.
		created, _, _ := strings.Cut(strings.TrimPrefix(name, testDBPrefix), "_")
		secs, err := strconv.ParseInt(created, 10, 64)
		if err != nil || time.Since(time.Unix(secs, 0)) < staleTestDBAge {
			continue
		}
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
}

// exec runs one statement on the server's maintenance database.
func exec(serverURL, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connecting to test server: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// withDatabase returns serverURL pointing at database name instead.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("test server %q is not a postgres:// URL", serverURL)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

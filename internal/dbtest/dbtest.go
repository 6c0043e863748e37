// Package dbtest gives a test its own database with the mirror's schema and
// River's already applied, cloned from a template so that it costs
// milliseconds, not a migration run.
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/db/migrations"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// NewPool returns a pool on a fresh, fully migrated database, dropped when the
// test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return pgtest.NewPool(t, NewURL(t))
}

// NewQueries returns a pool on a fresh, fully migrated database and the
// mirror's queries on it, the two most tests of the mirror start from.
func NewQueries(t testing.TB) (*pgxpool.Pool, *dbq.Queries) {
	t.Helper()
	pool := NewPool(t)
	return pool, dbq.New(pool)
}

// NewMigrationProvider returns a pool on a fresh, fully migrated database and
// a goose provider of the mirror's migrations on it, for tests that step
// through them (down and up again).
func NewMigrationProvider(t testing.TB) (*pgxpool.Pool, *goose.Provider) {
	t.Helper()
	pool := NewPool(t)
	sqlDB := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { _ = sqlDB.Close() })
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		t.Fatalf("goose provider: %v", err)
	}
	return pool, provider
}

// NewURL returns the URL of a fresh, fully migrated database.
func NewURL(t testing.TB) string {
	t.Helper()
	return pgtest.NewTemplatedDB(t, "migrated_"+migrationsHash(t), func(ctx context.Context, url string) error {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer pool.Close()
		_, err = db.Migrate(ctx, pool)
		return err
	})
}

// migrationsHash names the template after the migrations' content, so that a
// changed migration gets a new template.
func migrationsHash(t testing.TB) string {
	t.Helper()
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatalf("hash migrations: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

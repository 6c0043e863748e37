package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/db/migrations"
)

// migrationLockKey is the advisory lock key that serializes migrations of one
// database ("syncer" in ASCII).
const migrationLockKey = 0x73796e636572

// MigrationResult says what a migration changed.
type MigrationResult struct {
	// Mirror lists the goose versions applied (or rolled back).
	Mirror []int64
	// River lists River's own schema versions applied (or rolled back).
	River []int
}

// Migrate brings the mirror's schema and River's up to date. It holds one
// advisory lock while it works, so that several processes starting at once
// migrate one after the other, and the later ones find nothing to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (MigrationResult, error) {
	return migrate(ctx, pool, migrationPlan{
		verb:   "apply",
		mirror: func(p *goose.Provider) ([]*goose.MigrationResult, error) { return p.Up(ctx) },
		river:  rivermigrate.DirectionUp,
	})
}

// MigrateDown rolls back every mirror migration and River's schema: it drops
// the mirror. Used by tests of the down migrations and by operators who
// uninstall.
func MigrateDown(ctx context.Context, pool *pgxpool.Pool) (MigrationResult, error) {
	return migrate(ctx, pool, migrationPlan{
		verb:      "roll back",
		mirror:    func(p *goose.Provider) ([]*goose.MigrationResult, error) { return p.DownTo(ctx, 0) },
		river:     rivermigrate.DirectionDown,
		riverOpts: &rivermigrate.MigrateOpts{TargetVersion: -1},
	})
}

// migrationPlan is which way the mirror's schema and River's move.
type migrationPlan struct {
	verb      string // in errors
	mirror    func(*goose.Provider) ([]*goose.MigrationResult, error)
	river     rivermigrate.Direction
	riverOpts *rivermigrate.MigrateOpts
}

func migrate(ctx context.Context, pool *pgxpool.Pool, plan migrationPlan) (MigrationResult, error) {
	return withMigrationLock(ctx, pool, func(sqlDB *sql.DB) (MigrationResult, error) {
		var res MigrationResult
		provider, err := newGooseProvider(sqlDB)
		if err != nil {
			return res, err
		}
		moved, err := plan.mirror(provider)
		if err != nil {
			return res, fmt.Errorf("%s mirror migrations: %w", plan.verb, err)
		}
		for _, r := range moved {
			res.Mirror = append(res.Mirror, r.Source.Version)
		}
		migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return res, fmt.Errorf("create river migrator: %w", err)
		}
		riverRes, err := migrator.Migrate(ctx, plan.river, plan.riverOpts)
		if err != nil {
			return res, fmt.Errorf("%s river migrations: %w", plan.verb, err)
		}
		for _, v := range riverRes.Versions {
			res.River = append(res.River, v.Version)
		}
		return res, nil
	})
}

// PendingMigrations reports whether the schema is behind the binary: the
// mirror's or River's (an upgrade may bring a newer River, or a migration
// may have applied the mirror's part and failed on River's). It writes
// nothing: on a database never migrated (or a wrong one) it creates no
// table, and needs no right to.
func PendingMigrations(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	migrated, err := dbq.New(pool).MigrationsTableExists(ctx)
	if err != nil {
		return false, fmt.Errorf("check mirror migrations: %w", err)
	}
	if !migrated {
		return true, nil
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	provider, err := newGooseProvider(sqlDB)
	if err != nil {
		return false, err
	}
	pending, err := provider.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check mirror migrations: %w", err)
	}
	if pending {
		return true, nil
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return false, fmt.Errorf("create river migrator: %w", err)
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("check river migrations: %w", err)
	}
	return !res.OK, nil
}

func newGooseProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("load mirror migrations: %w", err)
	}
	return provider, nil
}

func withMigrationLock(ctx context.Context, pool *pgxpool.Pool, fn func(*sql.DB) (MigrationResult, error)) (MigrationResult, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Release()
	q := dbq.New(conn)
	if err := q.AcquireMigrationLock(ctx, migrationLockKey); err != nil {
		return MigrationResult{}, fmt.Errorf("take migration lock: %w", err)
	}
	// Unlock with a fresh context: the caller's may be done, and a lock left
	// on a pooled connection would block every later migration.
	defer func() { _ = q.ReleaseMigrationLock(context.WithoutCancel(ctx), migrationLockKey) }()

	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	return fn(sqlDB)
}

package db_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// TestPendingMigrationsSeesRiversToo: a schema whose mirror tables are
// current but whose River tables are behind is pending, so that the daemon
// refuses to start (and /readyz says so) instead of failing every job.
func TestPendingMigrationsSeesRiversToo(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	pending, err := db.PendingMigrations(t.Context(), pool)
	require.NoError(t, err)
	require.False(t, pending, "a migrated database")

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	require.NoError(t, err)
	_, err = migrator.Migrate(t.Context(), rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: 5})
	require.NoError(t, err)
	pending, err = db.PendingMigrations(t.Context(), pool)
	require.NoError(t, err)
	require.True(t, pending, "River's schema rolled back to version 5")

	_, err = db.Migrate(t.Context(), pool)
	require.NoError(t, err)
	pending, err = db.PendingMigrations(t.Context(), pool)
	require.NoError(t, err)
	require.False(t, pending, "migrated again")
}

// TestPendingMigrationsWritesNothing: on a database never migrated (or the
// wrong one), the schema check says "pending" and leaves it as it was: no
// goose version table, so a role without the right to create one gets the
// same answer.
func TestPendingMigrationsWritesNothing(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(t.Context(), pgtest.NewDB(t))
	require.NoError(t, err)
	defer pool.Close()
	pending, err := db.PendingMigrations(t.Context(), pool)
	require.NoError(t, err)
	require.True(t, pending)
	require.False(t, dbtest.Value[bool](t, pool, "SELECT to_regclass('goose_db_version') IS NOT NULL"))
}

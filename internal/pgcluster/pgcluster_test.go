package pgcluster_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/pgcluster"
)

func TestFindBinaries(t *testing.T) {
	t.Parallel()

	binDir, err := pgcluster.FindBinaries()
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(binDir, "initdb"))
	require.FileExists(t, filepath.Join(binDir, "pg_ctl"))
	require.FileExists(t, filepath.Join(binDir, "postgres"))
}

func TestStart(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dataDir := filepath.Join(t.TempDir(), "data")

	cluster, err := pgcluster.Start(ctx, dataDir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) }) // in case the test stops early
	require.Equal(t, dataDir, cluster.DataDir)
	require.NotZero(t, cluster.Port)

	t.Run("ReusesRunningServer", func(t *testing.T) {
		again, err := pgcluster.Start(ctx, dataDir)
		require.NoError(t, err)
		require.Equal(t, cluster.Port, again.Port)
	})

	t.Run("CreatesDatabaseIdempotently", func(t *testing.T) {
		require.NoError(t, cluster.CreateDatabase(ctx, "demo"))
		require.NoError(t, cluster.CreateDatabase(ctx, "demo"))

		conn, err := pgx.Connect(ctx, cluster.URL("demo"))
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives restart')")
		require.NoError(t, err)
	})

	t.Run("RestartsOnExistingData", func(t *testing.T) {
		require.NoError(t, cluster.Stop(ctx))

		restarted, err := pgcluster.Start(ctx, dataDir)
		require.NoError(t, err)
		t.Cleanup(func() { _ = restarted.Stop(context.Background()) })

		conn, err := pgx.Connect(ctx, restarted.URL("demo"))
		require.NoError(t, err)
		defer conn.Close(ctx)
		var v string
		require.NoError(t, conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v))
		require.Equal(t, "survives restart", v)

		require.NoError(t, restarted.Stop(ctx))
	})
}

package pgtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestNewDB(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		names []string
	)
	t.Run("ParallelTests", func(t *testing.T) {
		for _, name := range []string{"First", "Second"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				pool := NewPool(t, NewDB(t))

				var db string
				require.NoError(t, pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&db))
				require.True(t, strings.HasPrefix(db, "syncer_test_"), db)
				var tables int
				require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables))
				require.Zero(t, tables)

				mu.Lock()
				names = append(names, db)
				mu.Unlock()
			})
		}
	})

	t.Run("GetDistinctDatabases", func(t *testing.T) {
		require.Len(t, names, 2)
		require.NotEqual(t, names[0], names[1])
	})

	t.Run("DropsDatabasesAtCleanup", func(t *testing.T) {
		var left int
		require.NoError(t, NewPool(t, ServerURL(t)).QueryRow(t.Context(),
			"SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left))
		require.Zero(t, left)
	})
}

func TestNewTemplatedDB(t *testing.T) {
	t.Parallel()
	type testBundle struct {
		key      string
		prepared *atomic.Int32
		prepare  func(ctx context.Context, url string) error
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		b := &testBundle{key: "pgtest_" + randomHex(6), prepared: new(atomic.Int32)}
		b.prepare = func(ctx context.Context, url string) error {
			b.prepared.Add(1)
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, "CREATE TABLE widgets (name text); INSERT INTO widgets VALUES ('from template')")
			return err
		}
		t.Cleanup(func() { dropTemplate(t, b.key) })
		return b
	}
	widgets := func(t *testing.T, url string) []string {
		t.Helper()
		rows, err := NewPool(t, url).Query(t.Context(), "SELECT name FROM widgets ORDER BY name")
		require.NoError(t, err)
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return names
	}
	// requireClone clones b's template: the clone carries what prepare
	// created, and prepare has run once, whoever built the template.
	requireClone := func(t *testing.T, b *testBundle) {
		t.Helper()
		require.Equal(t, []string{"from template"}, widgets(t, NewTemplatedDB(t, b.key, b.prepare)))
		require.EqualValues(t, 1, b.prepared.Load())
	}

	t.Run("ClonesCarryWhatPrepareCreated", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		t.Run("ParallelTests", func(t *testing.T) {
			for i := range 3 {
				t.Run(fmt.Sprintf("Clone%d", i), func(t *testing.T) {
					t.Parallel()
					url := NewTemplatedDB(t, b.key, b.prepare)
					require.Equal(t, []string{"from template"}, widgets(t, url))

					mine := fmt.Sprintf("from clone %d", i)
					_, err := NewPool(t, url).Exec(t.Context(), "INSERT INTO widgets VALUES ($1)", mine)
					require.NoError(t, err)
					require.Equal(t, []string{mine, "from template"}, widgets(t, url))
				})
			}
		})
		require.EqualValues(t, 1, b.prepared.Load())

		// Another process finds the template ready exactly like a later call in this one does.
		requireClone(t, b)
	})

	t.Run("RebuildsUnfinishedTemplate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// As if a process died inside prepare: the template exists but is not marked ready.
		require.NoError(t, exec(ServerURL(t), "CREATE DATABASE "+templatePrefix+b.key))
		requireClone(t, b)
	})

	t.Run("ClonesDespiteConnectionsPrepareLeftOpen", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		prepare := func(ctx context.Context, url string) error {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			t.Cleanup(func() { _ = conn.Close(context.Background()) })
			_, err = conn.Exec(ctx, "CREATE TABLE widgets (name text)")
			return err
		}

		url := NewTemplatedDB(t, b.key, prepare)
		require.Empty(t, widgets(t, url))
	})
}

func dropTemplate(t *testing.T, key string) {
	t.Helper()
	require.NoError(t, exec(ServerURL(t), "DROP DATABASE IF EXISTS "+templatePrefix+key+" WITH (FORCE)"))
}

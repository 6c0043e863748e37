package analytics_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestMigrationRollsBackAndAppliesAgain checks the analytics migration's
// down and up, and that every view says what it is.
func TestMigrationRollsBackAndAppliesAgain(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	pool := dbtest.NewPool(t)
	provider := dbtest.NewMigrationProvider(t, pool)

	views := []string{"agent_activity_daily", "conversation_metrics", "sla_compliance_daily", "sla_metric_outcomes", "volume_daily"}
	indexes := []string{
		"conversations_created_at_idx", "conversations_created_day_idx", "conversations_resolved_day_idx",
		"messages_created_day_idx", "sla_metrics_due_day_idx",
	}
	present := func(t *testing.T) (gotViews, gotIndexes []string) {
		t.Helper()
		r, err := pool.Query(ctx, "SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY viewname")
		require.NoError(t, err)
		for r.Next() {
			var v string
			require.NoError(t, r.Scan(&v))
			gotViews = append(gotViews, v)
		}
		require.NoError(t, r.Err())
		r, err = pool.Query(ctx, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY($1) ORDER BY indexname", indexes)
		require.NoError(t, err)
		for r.Next() {
			var i string
			require.NoError(t, r.Scan(&i))
			gotIndexes = append(gotIndexes, i)
		}
		require.NoError(t, r.Err())
		return gotViews, gotIndexes
	}

	gotViews, gotIndexes := present(t)
	require.Equal(t, views, gotViews)
	require.Equal(t, indexes, gotIndexes)
	for _, v := range views {
		var comment *string
		require.NoError(t, pool.QueryRow(ctx, "SELECT obj_description($1::regclass, 'pg_class')", v).Scan(&comment))
		require.NotNil(t, comment, "view %s has no COMMENT", v)
		require.NotEmpty(t, *comment, v)
	}

	_, err := provider.DownTo(ctx, 2)
	require.NoError(t, err)
	gotViews, gotIndexes = present(t)
	require.Empty(t, gotViews)
	require.Empty(t, gotIndexes)
	var conversations int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM conversations").Scan(&conversations), "the tables stay")

	_, err = provider.Up(ctx)
	require.NoError(t, err)
	gotViews, gotIndexes = present(t)
	require.Equal(t, views, gotViews)
	require.Equal(t, indexes, gotIndexes)
}

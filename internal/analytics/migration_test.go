package analytics_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestMigrationRollsBackAndAppliesAgain checks the analytics migration's
// down and up, and that every view says what it is.
func TestMigrationRollsBackAndAppliesAgain(t *testing.T) {
	t.Parallel()
	pool, provider := dbtest.NewMigrationProvider(t)

	views := []string{
		"agent_activity_daily", "backlog_daily", "conversation_metrics", "reopens", "sla_compliance_daily",
		"sla_metric_outcomes", "status_durations", "volume_daily",
	}
	indexes := []string{
		"conversations_created_at_idx", "conversations_created_day_idx", "conversations_resolved_day_idx",
		"messages_created_day_idx", "sla_metrics_due_day_idx",
	}
	present := func() (gotViews, gotIndexes []string) {
		t.Helper()
		return dbtest.Column[string](t, pool, "SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY viewname"),
			dbtest.Column[string](t, pool, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY($1) ORDER BY indexname", indexes)
	}

	gotViews, gotIndexes := present()
	require.Equal(t, views, gotViews)
	require.Equal(t, indexes, gotIndexes)
	for _, v := range views {
		comment := dbtest.Value[*string](t, pool, "SELECT obj_description($1::regclass, 'pg_class')", v)
		require.NotNil(t, comment, "view %s has no COMMENT", v)
		require.NotEmpty(t, *comment, v)
	}

	// Without the history (00009): its views and table go, and
	// conversation_metrics is as it was.
	_, err := provider.DownTo(t.Context(), 8)
	require.NoError(t, err)
	gotViews, _ = present()
	require.Equal(t, []string{"agent_activity_daily", "conversation_metrics", "sla_compliance_daily", "sla_metric_outcomes", "volume_daily"}, gotViews)
	require.Zero(t, dbtest.Value[int](t, pool, "SELECT count(*) FROM pg_tables WHERE tablename = 'conversation_history'"))
	require.Zero(t, dbtest.Value[int](t, pool, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'conversation_metrics' AND column_name LIKE 'vendor%'"))
	comment := dbtest.Value[*string](t, pool, "SELECT col_description('conversation_metrics'::regclass, 10)")
	require.NotNil(t, comment, "the column comments are back")

	_, err = provider.DownTo(t.Context(), 2)
	require.NoError(t, err)
	gotViews, gotIndexes = present()
	require.Empty(t, gotViews)
	require.Empty(t, gotIndexes)
	dbtest.Value[int](t, pool, "SELECT count(*) FROM conversations") // the tables stay

	_, err = provider.Up(t.Context())
	require.NoError(t, err)
	gotViews, gotIndexes = present()
	require.Equal(t, views, gotViews)
	require.Equal(t, indexes, gotIndexes)
}

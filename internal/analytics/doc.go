// Package analytics holds the tests of the analytics views that
// db/migrations/00003_analytics_views.sql ships with the schema:
// conversation_metrics, sla_metric_outcomes, sla_compliance_daily,
// volume_daily and agent_activity_daily. It has no code of its own: the views
// are plain SQL that analysts query.
//
// The tests load known fixtures through the real sync path (the fake
// Chatwoot, DevRev and Chatvolt APIs, the River jobs, PostgreSQL) and assert
// the views' numbers exactly, read from a session whose TimeZone is far from
// UTC (days must still be UTC dates):
//
//   - A hand-built Chatwoot account covers the business rules one case at a
//     time: no reply yet, an outbound agent message before any customer
//     message, private notes and activity messages (never replies), a bot
//     reply, a deleted reply (the next one counts), a conversation resolved,
//     reopened and resolved again across two syncs, one reopened and still
//     open, a conversation deleted at the source (gone from every view after
//     the sweep), a message soft-deleted in the mirror, and days split at
//     midnight UTC.
//   - Generated DevRev and Chatvolt workspaces are checked against a reference
//     computed in Go from the fake APIs' snapshots: every view, every row,
//     including SLA compliance from DevRev's metric targets, several agents
//     and channels, and soft-deleted SLA metrics.
//   - The cookbook (the README's example questions) runs against a mirror of
//     all three source kinds at once, and the daily views agree with
//     conversation_metrics there.
//   - The migration rolls back (goose down) and applies again, and every view
//     carries a comment.
package analytics

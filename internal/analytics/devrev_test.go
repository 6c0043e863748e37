package analytics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// TestDevRevMatchesReference checks every view on a generated DevRev
// workspace (several agents and channels, internal and private notes, deleted
// comments, SLA metrics running, met and breached, out of policy) against the
// reference.
func TestDevRevMatchesReference(t *testing.T) {
	t.Parallel()

	ws := devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: 17, Conversations: 80, CommentsPerConversation: 6, Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	m := newMirror(t, devrevSource("devrev", ws))

	convs, names := devrevReference(ws.Snapshot())
	requireCoverage(t, convs)

	t.Run("AfterBackfill", func(t *testing.T) { checkReference(t, m, "devrev", convs, names) })

	// SLA metrics gone from the mirror (deleted_at, as a metric the source
	// drops gets) stop counting: the conversation has no SLA any more.
	var breached *refConv
	for i := range convs {
		for _, s := range convs[i].sla {
			if s.inPolicy && s.outcome == "breached" {
				breached = &convs[i]
			}
		}
	}
	require.NotNil(t, breached)
	m.exec(t, "UPDATE sla_metrics SET deleted_at = now() WHERE source = 'devrev' AND conversation_id = $1", breached.id)
	breached.sla = nil

	t.Run("AfterSLAMetricsAreSoftDeleted", func(t *testing.T) { checkReference(t, m, "devrev", convs, names) })
}

// devrevReference maps a DevRev snapshot as the DevRev normalizer does; it
// also returns the users' display names.
func devrevReference(snap devrevtest.Snapshot) ([]refConv, map[string]string) {
	authorTypes := map[string]string{"dev_user": "agent", "rev_user": "contact", "service_account": "bot", "sys_user": "system"}
	types, names := map[string]string{}, map[string]string{}
	for _, u := range snap.Users {
		types[u.ID] = authorTypes[u.Type]
		if u.DisplayName != "" {
			names[u.ID] = u.DisplayName
		}
	}
	statuses := map[string]string{
		"new": "open", "active": "open", "waiting_on_user": "pending", "suspended": "snoozed",
		"resolved": "resolved", "archived": "closed",
	}
	var convs []refConv
	for _, c := range snap.Conversations {
		rc := refConv{
			id: c.ID, status: statuses[c.Stage], channel: c.SourceChannel,
			created: c.CreatedDate, modified: c.ModifiedDate,
		}
		for _, e := range c.Comments {
			rc.msgs = append(rc.msgs, refMsg{
				id: e.ID, authorID: e.AuthorID, authorType: types[e.AuthorID],
				public:  e.Visibility != "internal" && e.Visibility != "private",
				hasBody: e.Body != nil, created: e.CreatedDate,
			})
		}
		if c.SLA != nil {
			for _, s := range c.SLA.Metrics {
				rm := refMetric{
					name: s.Name, inPolicy: s.InPolicy,
					outcome: slaOutcome(s.Status, s.Stage, s.BreachedAt != nil, s.CompletedAt != nil),
				}
				for _, due := range []*time.Time{s.TargetTime, s.BreachedAt, s.CompletedAt} {
					if rm.due == nil && due != nil {
						rm.due = due
					}
				}
				rc.sla = append(rc.sla, rm)
			}
		}
		convs = append(convs, rc)
	}
	return convs, names
}

// requireCoverage makes sure generated data exercises the cases the views
// distinguish, so that a reference match means something.
func requireCoverage(t *testing.T, convs []refConv) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range convs {
		if c.resolved() {
			seen["resolved"] = true
		}
		for _, m := range c.msgs {
			switch {
			case !m.hasBody:
				seen["deleted message"] = true
			case !m.public && m.authorType == "agent":
				seen["agent note"] = true
			}
		}
		for _, s := range c.sla {
			seen["sla "+s.outcome] = true
			if !s.inPolicy {
				seen["sla out of policy"] = true
			}
		}
	}
	for _, r := range refMetrics(convs) {
		if r.FirstAgentReplyAt == nil && r.FirstCustomerMessageAt != nil {
			seen["no reply"] = true
		}
		if r.FirstAgentReplyAt != nil {
			seen["reply"] = true
		}
	}
	agents, channels := map[string]bool{}, map[string]bool{}
	for _, a := range refAgents(convs, nil) {
		agents[*a.AgentID] = true
	}
	for _, v := range refVolume(convs) {
		channels[*v.Channel] = true
	}
	seen["several agents"], seen["several channels"] = len(agents) > 1, len(channels) > 1
	for _, want := range []string{
		"resolved", "deleted message", "agent note", "no reply", "reply",
		"sla met", "sla breached", "sla pending", "sla out of policy", "several agents", "several channels",
	} {
		require.True(t, seen[want], "the generated data has no case of %q", want)
	}
}

package analytics_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The reference: the views' rules computed in Go over a vendor-neutral copy
// of a fake API's snapshot. Each test turns its vendor's snapshot into
// refConvs the way the vendor's normalizer maps fields (author types,
// visibilities, statuses), then compares every view with the reference.

type refConv struct {
	id, status, channel string // status normalized; "" when unknown
	created, modified   time.Time
	msgs                []refMsg
	sla                 []refMetric
}

type refMsg struct {
	id, authorID, authorType string
	public, hasBody          bool
	created                  time.Time
}

type refMetric struct {
	name     string
	inPolicy bool
	outcome  string     // breached, met or pending
	due      *time.Time // target, else breach, else completion time
}

// counts reports whether a message counts as traffic: public with a body.
func (m refMsg) counts() bool { return m.public && m.hasBody }

func (c refConv) resolved() bool { return c.status == "resolved" || c.status == "closed" }

func refMetrics(convs []refConv) map[string]metricsRow {
	out := map[string]metricsRow{}
	for _, c := range convs {
		r := metricsRow{ID: c.id}
		if c.status != "" {
			r.Status = ptr(c.status)
		}
		var reply *refMsg
		for _, m := range c.msgs {
			if !m.counts() {
				continue
			}
			switch m.authorType {
			case "contact":
				r.CustomerMessages++
				if r.FirstCustomerMessageAt == nil || m.created.Before(*r.FirstCustomerMessageAt) {
					r.FirstCustomerMessageAt = ptr(m.created)
				}
			case "agent":
				r.AgentMessages++
			case "bot":
				r.BotMessages++
			}
		}
		for i, m := range c.msgs {
			if !m.counts() || m.authorType != "agent" || r.FirstCustomerMessageAt == nil || m.created.Before(*r.FirstCustomerMessageAt) {
				continue
			}
			if reply == nil || m.created.Before(reply.created) || (m.created.Equal(reply.created) && m.id < reply.id) {
				reply = &c.msgs[i]
			}
		}
		if reply != nil {
			r.FirstAgentReplyAt, r.FirstResponderID = ptr(reply.created), ptr(reply.authorID)
			r.FirstResponseSeconds = ptr(seconds(*r.FirstCustomerMessageAt, reply.created))
		}
		if c.resolved() {
			r.ResolvedAt = ptr(c.modified)
			r.ResolutionSeconds = ptr(seconds(c.created, c.modified))
		}
		for _, s := range c.sla {
			if s.inPolicy {
				r.SLABreached = ptr(s.outcome == "breached" || (r.SLABreached != nil && *r.SLABreached))
			}
		}
		out[r.ID] = r
	}
	return out
}

func refVolume(convs []refConv) []volumeRow {
	type key struct {
		day     time.Time
		channel string
	}
	rows := map[key]*volumeRow{}
	row := func(at time.Time, channel string) *volumeRow {
		k := key{utcDay(at), channel}
		if rows[k] == nil {
			rows[k] = &volumeRow{Day: k.day, Channel: ptr(channel)}
		}
		return rows[k]
	}
	for _, c := range convs {
		row(c.created, c.channel).Opened++
		if c.resolved() {
			row(c.modified, c.channel).Resolved++
		}
		for _, m := range c.msgs {
			if !m.counts() {
				continue
			}
			switch m.authorType {
			case "contact":
				row(m.created, c.channel).MessagesIn++
			case "agent":
				row(m.created, c.channel).MessagesOut++
			case "bot":
				row(m.created, c.channel).MessagesOut++
				row(m.created, c.channel).MessagesOutBot++
			}
		}
	}
	out := make([]volumeRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	return out
}

// refAgents needs the agents' display names (by user id).
func refAgents(convs []refConv, names map[string]string) []agentRow {
	type key struct {
		day   time.Time
		agent string
	}
	type acc struct {
		row     agentRow
		touched map[string]bool
		frts    []float64
	}
	rows := map[key]*acc{}
	get := func(at time.Time, agent string) *acc {
		k := key{utcDay(at), agent}
		if rows[k] == nil {
			rows[k] = &acc{row: agentRow{Day: k.day, AgentID: ptr(agent)}, touched: map[string]bool{}}
			if name, ok := names[agent]; ok {
				rows[k].row.AgentName = ptr(name)
			}
		}
		return rows[k]
	}
	for _, c := range convs {
		for _, m := range c.msgs {
			if m.authorType != "agent" || !m.hasBody {
				continue
			}
			a := get(m.created, m.authorID)
			if m.public {
				a.row.Replies++
			} else {
				a.row.Notes++
			}
			a.touched[c.id] = true
		}
	}
	for _, r := range refMetrics(convs) {
		if r.FirstAgentReplyAt != nil {
			a := get(*r.FirstAgentReplyAt, *r.FirstResponderID)
			a.row.FirstReplies++
			a.frts = append(a.frts, *r.FirstResponseSeconds)
		}
	}
	out := make([]agentRow, 0, len(rows))
	for _, a := range rows {
		a.row.ConversationsTouched = int64(len(a.touched))
		slices.Sort(a.frts)
		a.row.MedianFirstResponse = median(a.frts)
		out = append(out, a.row)
	}
	return out
}

func refSLA(convs []refConv) []slaRow {
	type key struct {
		day    time.Time
		metric string
	}
	rows := map[key]*slaRow{}
	for _, c := range convs {
		for _, s := range c.sla {
			if !s.inPolicy || s.due == nil {
				continue
			}
			k := key{utcDay(*s.due), s.name}
			if rows[k] == nil {
				rows[k] = &slaRow{Day: k.day, Metric: k.metric}
			}
			r := rows[k]
			r.TargetsDue++
			switch s.outcome {
			case "met":
				r.Met++
			case "breached":
				r.Breached++
			default:
				r.Pending++
			}
		}
	}
	out := make([]slaRow, 0, len(rows))
	for _, r := range rows {
		if ended := r.Met + r.Breached; ended > 0 {
			r.BreachRate = ptr(float64(r.Breached) / float64(ended))
		}
		out = append(out, *r)
	}
	return out
}

// checkReference compares every view's rows for source with the reference.
func checkReference(t *testing.T, m *mirror, source string, convs []refConv, names map[string]string) {
	t.Helper()
	got := map[string]metricsRow{}
	for _, r := range rows[metricsRow](t, m, metricsSQL, source) {
		got[r.ID] = r
	}
	want := refMetrics(convs)
	for id, w := range want {
		require.Equal(t, w, got[id], "conversation_metrics of %s", id)
	}
	require.Len(t, got, len(want), "conversation_metrics has exactly the live conversations")
	require.ElementsMatch(t, refVolume(convs), rows[volumeRow](t, m, volumeSQL, source), "volume_daily")
	require.ElementsMatch(t, refAgents(convs, names), rows[agentRow](t, m, agentSQL, source), "agent_activity_daily")
	require.ElementsMatch(t, refSLA(convs), rows[slaRow](t, m, slaSQL, source), "sla_compliance_daily")
}

// slaOutcome classifies a metric as the view sla_metric_outcomes does.
func slaOutcome(status, stage string, breached, completed bool) string {
	switch {
	case breached || stage == "breached" || status == "missed":
		return "breached"
	case completed || stage == "completed" || status == "hit" || status == "completed":
		return "met"
	}
	return "pending"
}

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
	days := volumeDays{}
	for _, c := range convs {
		days.get(c.created, c.channel).Opened++
		if c.resolved() {
			days.get(c.modified, c.channel).Resolved++
		}
		for _, m := range c.msgs {
			if m.counts() {
				days.message(m.created, c.channel, m.authorType)
			}
		}
	}
	return days.rows()
}

// refAgents needs the agents' display names (by user id).
func refAgents(convs []refConv, names map[string]string) []agentRow {
	days := newAgentDays(names)
	for _, c := range convs {
		for _, m := range c.msgs {
			if m.authorType == "agent" && m.hasBody {
				days.message(m.created, m.authorID, c.id, m.public)
			}
		}
	}
	days.firstReplies(refMetrics(convs))
	return days.rows()
}

// volumeDays accumulates volume_daily's rows, by UTC day and channel.
type volumeDays map[volumeDay]*volumeRow

type volumeDay struct {
	day     time.Time
	channel string
}

func (v volumeDays) get(at time.Time, channel string) *volumeRow {
	k := volumeDay{utcDay(at), channel}
	if v[k] == nil {
		v[k] = &volumeRow{Day: k.day, Channel: ptr(channel)}
	}
	return v[k]
}

// message counts a public message by an author of authorType: a contact's
// comes in, an agent's or a bot's goes out; others count for nothing.
func (v volumeDays) message(at time.Time, channel, authorType string) {
	switch authorType {
	case "contact":
		v.get(at, channel).MessagesIn++
	case "agent":
		v.get(at, channel).MessagesOut++
	case "bot":
		v.get(at, channel).MessagesOut++
		v.get(at, channel).MessagesOutBot++
	}
}

func (v volumeDays) rows() []volumeRow {
	out := make([]volumeRow, 0, len(v))
	for _, r := range v {
		out = append(out, *r)
	}
	return out
}

// agentDays accumulates agent_activity_daily's rows, by UTC day and agent.
type agentDays struct {
	names map[string]string // display names by user id
	days  map[agentDay]*agentActivity
}

type agentDay struct {
	day   time.Time
	agent string
}

type agentActivity struct {
	row     agentRow
	touched map[string]bool // conversation ids
	frts    []float64       // first response times in seconds
}

func newAgentDays(names map[string]string) *agentDays {
	return &agentDays{names: names, days: map[agentDay]*agentActivity{}}
}

func (a *agentDays) get(at time.Time, agent string) *agentActivity {
	k := agentDay{utcDay(at), agent}
	if a.days[k] == nil {
		a.days[k] = &agentActivity{row: agentRow{Day: k.day, AgentID: ptr(agent)}, touched: map[string]bool{}}
		if name, ok := a.names[agent]; ok {
			a.days[k].row.AgentName = ptr(name)
		}
	}
	return a.days[k]
}

// message counts an agent's message with a body in conversation conv: a
// reply when public, else a note.
func (a *agentDays) message(at time.Time, agent, conv string, public bool) {
	d := a.get(at, agent)
	if public {
		d.row.Replies++
	} else {
		d.row.Notes++
	}
	d.touched[conv] = true
}

// firstReplies counts the first responses that metrics name.
func (a *agentDays) firstReplies(metrics map[string]metricsRow) {
	for _, r := range metrics {
		if r.FirstAgentReplyAt != nil {
			d := a.get(*r.FirstAgentReplyAt, *r.FirstResponderID)
			d.row.FirstReplies++
			d.frts = append(d.frts, *r.FirstResponseSeconds)
		}
	}
}

func (a *agentDays) rows() []agentRow {
	out := make([]agentRow, 0, len(a.days))
	for _, d := range a.days {
		d.row.ConversationsTouched = int64(len(d.touched))
		slices.Sort(d.frts)
		d.row.MedianFirstResponse = median(d.frts)
		out = append(out, d.row)
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

package analytics_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
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

// TestChatvoltMatchesReference checks every view on a generated Chatvolt
// organization, where the AI agent's messages are a bot's and an operator's
// an agent's, against the reference.
func TestChatvoltMatchesReference(t *testing.T) {
	t.Parallel()

	ws := chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: 5, Conversations: 60, MessagesPerConversation: 8, Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	})
	// Only the AI agent answered; the conversation is resolved.
	botOnly := ws.AddConversation("Where is my parcel?")
	ws.AddMessage(botOnly, "Where is my parcel?", "human")
	ws.AddMessage(botOnly, "It left the warehouse this morning.", "agent")
	ws.SetStatus(botOnly, "RESOLVED")
	resolvedAt := ws.Now()

	m := newMirror(t, chatvoltSource("chatvolt", ws))

	convs := chatvoltReference(ws.Snapshot())
	requireChatvoltCoverage(t, convs)
	// Operators' names come from the mirror: the snapshot names only
	// assignees.
	names := map[string]string{}
	type user struct {
		ID   string `db:"id"`
		Name string `db:"display_name"`
	}
	for _, u := range rows[user](t, m, "SELECT id, display_name FROM users WHERE source = 'chatvolt' AND display_name IS NOT NULL") {
		names[u.ID] = u.Name
	}
	checkReference(t, m, "chatvolt", convs, names)

	var got metricsRow
	for _, r := range rows[metricsRow](t, m, metricsSQL, "chatvolt") {
		if r.ID == botOnly {
			got = r
		}
	}
	require.Equal(t, int64(1), got.BotMessages)
	require.Zero(t, got.AgentMessages)
	require.Nil(t, got.FirstAgentReplyAt, "a bot's answer is not a first response")
	require.Equal(t, ptr(resolvedAt), got.ResolvedAt)
}

// chatvoltReference maps a Chatvolt snapshot as the Chatvolt normalizer does.
func chatvoltReference(snap chatvolttest.Snapshot) []refConv {
	statuses := map[string]string{"RESOLVED": "resolved", "UNRESOLVED": "open", "HUMAN_REQUESTED": "pending"}
	var convs []refConv
	for _, c := range snap.Conversations {
		rc := refConv{id: c.ID, status: statuses[c.Status], channel: c.Channel, created: c.CreatedAt, modified: c.UpdatedAt}
		for _, msg := range c.Messages {
			// Chatvolt always sends text: every message has a body and is public.
			rm := refMsg{id: msg.ID, public: true, hasBody: true, created: msg.CreatedAt}
			switch {
			case msg.From == "human":
				rm.authorType = "contact"
				rm.authorID = firstNonEmpty(msg.ContactID, msg.VisitorID, msg.UserID)
			case msg.From == "agent" && msg.UserID != "":
				rm.authorType, rm.authorID = "agent", msg.UserID
			case msg.From == "agent":
				rm.authorType, rm.authorID = "bot", msg.AgentID
			}
			rc.msgs = append(rc.msgs, rm)
		}
		convs = append(convs, rc)
	}
	return convs
}

func requireChatvoltCoverage(t *testing.T, convs []refConv) {
	t.Helper()
	authors := map[string]bool{}
	for _, c := range convs {
		for _, m := range c.msgs {
			authors[m.authorType] = true
		}
	}
	require.True(t, authors["contact"] && authors["agent"] && authors["bot"], "authors: %v", authors)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

package analytics_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/jobs"
)

// What the views must make of a fixture message.
const (
	kindIn   = "in"   // a customer's public message
	kindOut  = "out"  // an agent's public reply
	kindBot  = "bot"  // a bot's public message
	kindNote = "note" // an agent's private note
	kindNone = "none" // counts for nothing: deleted (activity messages, unlabelled, neither)
)

// cwFixture builds a Chatwoot account message by message, labelling each
// message with what the views must make of it, and states per conversation
// which messages the metrics must pick.
type cwFixture struct {
	ws       *chatwoottest.Workspace
	kind     map[int]string     // message id → kind
	convOf   map[int]int        // message id → conversation id
	resolved map[int]time.Time  // conversation id → when it was last resolved, while it is
	want     map[int]cwConvWant // conversation id → metrics
	gone     map[int]bool       // conversations deleted at the source
	names    map[int]string     // conversation id → contact, for failure messages

	// Read from the workspace by settle.
	created  map[int]time.Time // conversation id → created_at
	statuses map[int]string    // conversation id → status
	msgAt    map[int]time.Time // message id → created_at
}

// cwConvWant names the messages a conversation's metrics come from (0: none)
// and its counts.
type cwConvWant struct {
	firstCustomer, firstReply int
	customer, agent, bot      int64
}

func newCWFixture(ws *chatwoottest.Workspace) *cwFixture {
	return &cwFixture{
		ws: ws, kind: map[int]string{}, convOf: map[int]int{}, resolved: map[int]time.Time{},
		want: map[int]cwConvWant{}, gone: map[int]bool{}, names: map[int]string{},
		created: map[int]time.Time{}, statuses: map[int]string{}, msgAt: map[int]time.Time{},
	}
}

// open starts a conversation from contact and returns it with its first
// (customer) message.
func (f *cwFixture) open(contact, text string) (conv, msg int) {
	conv = f.ws.AddConversation(contact, text)
	snap := f.ws.Snapshot()
	for _, c := range snap.Conversations {
		if c.ID == conv {
			msg = c.Messages[0].ID
		}
	}
	f.kind[msg], f.convOf[msg], f.names[conv] = kindIn, conv, contact
	return conv, msg
}

// say adds a message (messageType 0 incoming, 1 outgoing, 3 template).
func (f *cwFixture) say(conv int, text string, messageType int, private bool, kind string) int {
	id := f.ws.AddMessage(conv, text, messageType, private)
	f.kind[id], f.convOf[id] = kind, conv
	if messageType == 0 {
		delete(f.resolved, conv) // an incoming message reopens
	}
	return id
}

func (f *cwFixture) deleteMessage(msg int) {
	f.ws.DeleteMessage(msg)
	f.kind[msg] = kindNone
}

// setStatus changes the status; the activity message it writes counts for
// nothing.
func (f *cwFixture) setStatus(conv int, status string) {
	f.ws.SetStatus(conv, status)
	delete(f.resolved, conv)
	if status == "resolved" {
		f.resolved[conv] = f.ws.Now()
	}
}

// settle reads the times the workspace gave conversations and messages.
func (f *cwFixture) settle() {
	for _, c := range f.ws.Snapshot().Conversations {
		f.created[c.ID], f.statuses[c.ID] = c.CreatedAt, c.Status
		for _, m := range c.Messages {
			f.msgAt[m.ID] = m.CreatedAt
		}
	}
}

func (f *cwFixture) wantMetrics() map[string]metricsRow {
	out := map[string]metricsRow{}
	for conv, w := range f.want {
		if f.gone[conv] {
			continue
		}
		r := metricsRow{
			ID: strconv.Itoa(conv), Status: ptr(f.statuses[conv]),
			CustomerMessages: w.customer, AgentMessages: w.agent, BotMessages: w.bot,
		}
		if w.firstCustomer != 0 {
			r.FirstCustomerMessageAt = ptr(f.msgAt[w.firstCustomer])
		}
		if w.firstReply != 0 {
			r.FirstAgentReplyAt = ptr(f.msgAt[w.firstReply])
			r.FirstResponderID = ptr("agent:1")
			r.FirstResponseSeconds = ptr(seconds(f.msgAt[w.firstCustomer], f.msgAt[w.firstReply]))
		}
		if at, ok := f.resolved[conv]; ok {
			r.ResolvedAt = ptr(at)
			r.ResolutionSeconds = ptr(seconds(f.created[conv], at))
		}
		out[r.ID] = r
	}
	return out
}

func (f *cwFixture) wantVolume() []volumeRow {
	days := volumeDays{}
	for conv := range f.want {
		if f.gone[conv] {
			continue
		}
		days.get(f.created[conv], "api").Opened++
		if at, ok := f.resolved[conv]; ok {
			days.get(at, "api").Resolved++
		}
	}
	authorTypes := map[string]string{kindIn: "contact", kindOut: "agent", kindBot: "bot"}
	for msg, kind := range f.kind {
		if !f.gone[f.convOf[msg]] {
			days.message(f.msgAt[msg], "api", authorTypes[kind])
		}
	}
	return days.rows()
}

// wantAgents is the one agent's, agent:1's, activity.
func (f *cwFixture) wantAgents(agentName string) []agentRow {
	days := newAgentDays(map[string]string{"agent:1": agentName})
	for msg, kind := range f.kind {
		conv := f.convOf[msg]
		if !f.gone[conv] && (kind == kindOut || kind == kindNote) {
			days.message(f.msgAt[msg], "agent:1", strconv.Itoa(conv), kind == kindOut)
		}
	}
	days.firstReplies(f.wantMetrics())
	return days.rows()
}

// check compares every view's rows for source chatwoot with the fixture.
func (f *cwFixture) check(t *testing.T, m *mirror) {
	t.Helper()
	f.settle()
	got := map[string]metricsRow{}
	for _, r := range rows[metricsRow](t, m, metricsSQL, "chatwoot") {
		got[r.ID] = r
	}
	want := f.wantMetrics()
	for id, w := range want {
		require.Equal(t, w, got[id], "conversation_metrics of #%s (%s)", id, f.names[atoi(t, id)])
	}
	require.Len(t, got, len(want), "conversation_metrics has exactly the live conversations")

	volume := f.wantVolume()
	require.Len(t, volume, 2, "the fixture spans midnight UTC")
	require.ElementsMatch(t, volume, rows[volumeRow](t, m, volumeSQL, "chatwoot"), "volume_daily")

	agent := f.ws.Snapshot().Agents[0]
	require.Equal(t, 1, agent.ID)
	require.ElementsMatch(t, f.wantAgents(agent.Name), rows[agentRow](t, m, agentSQL, "chatwoot"), "agent_activity_daily")

	require.Empty(t, rows[slaRow](t, m, slaSQL, "chatwoot"), "the account has no SLA")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// TestChatwootFixture checks every view, number by number, on a Chatwoot
// account built one case at a time and synced in two passes, across midnight
// UTC.
func TestChatwootFixture(t *testing.T) {
	t.Parallel()

	ws := chatwoottest.NewWorkspace(7, time.Date(2026, 3, 1, 23, 59, 30, 0, time.UTC))
	f := newCWFixture(ws)
	const outgoing, incoming, template = 1, 0, 3

	// Answered and resolved: the private note and the bot's greeting come
	// first, the agent's public reply is the first response.
	answered, q1 := f.open("Ada Answered", "My order is late")
	f.say(answered, "Checking the warehouse", outgoing, true, kindNote)
	f.say(answered, "Hi! I am Ava, the bot.", template, false, kindBot)
	r1 := f.say(answered, "Sorry, it ships today", outgoing, false, kindOut)
	f.say(answered, "Thanks!", incoming, false, kindIn)
	r1b := f.say(answered, "You're welcome", outgoing, false, kindOut)
	f.setStatus(answered, "resolved")
	f.want[answered] = cwConvWant{firstCustomer: q1, firstReply: r1, customer: 2, agent: 2, bot: 1}

	// No reply yet.
	waiting, q2 := f.open("Nico Noreply", "Hello?")
	f.want[waiting] = cwConvWant{firstCustomer: q2, customer: 1}

	// Only internal traffic: a private note and an activity message.
	notes, q3 := f.open("Iris Internal", "Can I change my plan?")
	f.say(notes, "Ask billing first", outgoing, true, kindNote)
	f.setStatus(notes, "pending")
	f.want[notes] = cwConvWant{firstCustomer: q3, customer: 1}

	// Only a bot answered.
	botOnly, q4 := f.open("Bea Bot", "Opening hours?")
	f.say(botOnly, "We are open 9 to 5.", template, false, kindBot)
	f.want[botOnly] = cwConvWant{firstCustomer: q4, customer: 1, bot: 1}

	// The first reply was deleted: the next one is the first response.
	deleted, q5 := f.open("Dan Deleted", "Refund please")
	f.deleteMessage(f.say(deleted, "Wrong customer, sorry", outgoing, false, kindOut))
	r5 := f.say(deleted, "Your refund is on its way", outgoing, false, kindOut)
	f.want[deleted] = cwConvWant{firstCustomer: q5, firstReply: r5, customer: 1, agent: 1}

	// Outbound: the agent wrote before the customer (whose opening message
	// was deleted); only the answer after the customer's question is a reply.
	outbound, q6deleted := f.open("Olga Outbound", "hi")
	f.deleteMessage(q6deleted)
	f.say(outbound, "Your payment failed", outgoing, false, kindOut)
	q6 := f.say(outbound, "How do I fix it?", incoming, false, kindIn)
	r6 := f.say(outbound, "Update your card here", outgoing, false, kindOut)
	f.want[outbound] = cwConvWant{firstCustomer: q6, firstReply: r6, customer: 1, agent: 2}

	// Outbound with no answer from the customer: no first response at all.
	silent, q7deleted := f.open("Sam Silent", "hey")
	f.deleteMessage(q7deleted)
	f.say(silent, "Your subscription renews tomorrow", outgoing, false, kindOut)
	f.want[silent] = cwConvWant{agent: 1}

	// Resolved now, reopened and resolved again after the first sync.
	reopened, q8 := f.open("Rita Reopened", "Login fails")
	r8 := f.say(reopened, "Reset your password", outgoing, false, kindOut)
	f.setStatus(reopened, "resolved")
	f.want[reopened] = cwConvWant{firstCustomer: q8, firstReply: r8, customer: 1, agent: 1}

	// Resolved now, reopened after the first sync and still open.
	stillOpen, q9 := f.open("Otto Open", "App crashes")
	r9 := f.say(stillOpen, "Update the app", outgoing, false, kindOut)
	f.setStatus(stillOpen, "resolved")
	f.want[stillOpen] = cwConvWant{firstCustomer: q9, firstReply: r9, customer: 1, agent: 1}

	// Deleted at the source after the first sync.
	doomed, q10 := f.open("Gus Gone", "Spam?")
	r10 := f.say(doomed, "Closing this", outgoing, false, kindOut)
	f.want[doomed] = cwConvWant{firstCustomer: q10, firstReply: r10, customer: 1, agent: 1}

	m := newMirror(t, chatwootSource("chatwoot", ws))
	t.Run("AfterBackfill", func(t *testing.T) { f.check(t, m) })

	f.say(reopened, "It fails again", incoming, false, kindIn)
	f.say(reopened, "Fixed for good now", outgoing, false, kindOut)
	f.setStatus(reopened, "resolved")
	f.want[reopened] = cwConvWant{firstCustomer: q8, firstReply: r8, customer: 2, agent: 2}
	f.say(stillOpen, "Still crashing", incoming, false, kindIn)
	f.want[stillOpen] = cwConvWant{firstCustomer: q9, firstReply: r9, customer: 2, agent: 1}
	ws.DeleteConversation(doomed)
	f.gone[doomed] = true
	m.sync(t, "chatwoot", jobs.PassIncremental)
	m.sync(t, "chatwoot", jobs.PassSweep)

	t.Run("AfterReopeningAndDeleting", func(t *testing.T) { f.check(t, m) })

	// A message gone from the mirror (deleted_at, as a vanished message gets)
	// stops counting: the answered conversation's second reply becomes its
	// first response.
	m.exec(t, "UPDATE messages SET deleted_at = now() WHERE source = 'chatwoot' AND id = $1", strconv.Itoa(r1))
	f.kind[r1] = kindNone
	f.want[answered] = cwConvWant{firstCustomer: q1, firstReply: r1b, customer: 2, agent: 1, bot: 1}

	t.Run("AfterAMessageIsSoftDeleted", func(t *testing.T) { f.check(t, m) })
}

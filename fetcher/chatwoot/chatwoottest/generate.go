package chatwoottest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// GenerateConfig sizes a generated account.
type GenerateConfig struct {
	// Seed makes the data deterministic: the same config yields the same
	// workspace.
	Seed int64
	// AccountID is the account's id. Defaults to 1.
	AccountID int
	// Conversations is the number of conversations.
	Conversations int
	// MessagesPerConversation is the average number of messages; each
	// conversation gets between 0 and twice that many, except that one in
	// fifty (conversation 1 among them) gets 121 to 270, so that message
	// paging (20 back, 100 forward) is exercised. 0 makes conversations
	// without messages.
	MessagesPerConversation int
	// Start is "now" for the generated account: conversations are created
	// over the 365 days before it, every generated timestamp is before it,
	// and the workspace clock starts there. Defaults to 2025-01-01 UTC.
	Start time.Time
	// Enterprise serves applied_sla and sla_events (Chatwoot Enterprise);
	// about 40% of conversations then carry an SLA. Defaults to false:
	// both fields absent.
	Enterprise bool
}

// Generate builds a realistic account: contacts on four channels (some of
// them anonymous website visitors), conversations in every status with
// priorities, assignees, teams and labels, and messages of every kind:
// incoming and outgoing, private notes, activity messages, bot templates
// (input_select, cards, form, article, input_csat), incoming emails,
// attachments, attachment-only messages with null content, deleted messages,
// unicode and emoji, and one very long body. Some conversations carry
// undocumented fields. Conversation 1 belongs to the API-channel contact that
// PublicIdentifiers returns.
func Generate(cfg GenerateConfig) *Workspace {
	w := NewWorkspace(cfg.AccountID, cfg.Start)
	w.enterprise = cfg.Enterprise
	g := &generator{
		w:     w,
		rng:   rand.New(rand.NewPCG(uint64(cfg.Seed), 0xc4a7)),
		start: w.now,
		avg:   max(0, cfg.MessagesPerConversation),
	}
	g.contacts(max(3, cfg.Conversations*2/3))

	// Creation times are drawn first and sorted so that display ids grow with
	// creation time, as in a real account.
	const year = 365 * 24 * time.Hour
	offsets := make([]int64, cfg.Conversations)
	for i := range offsets {
		offsets[i] = g.rng.Int64N(int64(year - time.Hour))
	}
	slices.Sort(offsets)
	for _, off := range offsets {
		g.conversation(g.start.Add(-year + time.Duration(off)))
	}
	g.assignMessageIDs()
	g.settleContacts()
	return w
}

type generator struct {
	w     *Workspace
	rng   *rand.Rand
	start time.Time
	avg   int

	apiContact *contact
	firstConv  map[*contact]time.Time
	all        []*message
	long       bool // the very long body has been used
}

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func (g *generator) contacts(n int) {
	w := g.w
	g.firstConv = map[*contact]time.Time{}
	for i := range n {
		var in *inbox
		switch r := g.rng.Float64(); {
		case i == 0:
			in = w.inboxes[inboxAPI-1] // the public API's contact
		case r < 0.40:
			in = w.inboxes[inboxWebsite-1]
		case r < 0.70:
			in = w.inboxes[inboxEmail-1]
		case r < 0.85:
			in = w.inboxes[inboxAPI-1]
		default:
			in = w.inboxes[inboxWhatsApp-1]
		}
		anonymous := in.id == inboxWebsite && g.chance(0.2)
		name := pick(g.rng, firstNames[:]) + " " + pick(g.rng, lastNames[:])
		if anonymous {
			name = pick(g.rng, visitorWords[:]) + "-" + pick(g.rng, visitorNouns[:]) + "-" + strconv.Itoa(100+g.rng.IntN(900))
		}
		// Provisional: contacts that write get their creation moved to just
		// before their first conversation by settleContacts.
		created := g.start.Add(-time.Duration(g.rng.Int64N(int64(400 * 24 * time.Hour))))
		ct := w.newContact(name, in, created, anonymous)
		if i == 0 {
			g.apiContact = ct
		}
	}
}

func (g *generator) conversation(created time.Time) {
	w := g.w
	ct := g.apiContact
	if len(w.convs) > 0 {
		if g.chance(0.3) { // regulars write again and again
			ct = w.contacts[g.rng.IntN(max(1, len(w.contacts)/10))]
		} else {
			ct = pick(g.rng, w.contacts)
		}
	}
	if _, ok := g.firstConv[ct]; !ok {
		g.firstConv[ct] = created
	}
	c := w.newConversation(ct, created)
	age := g.start.Sub(c.created)

	c.status = g.status(age)
	if g.chance(0.45) {
		c.priority = pick(g.rng, []string{"low", "medium", "medium", "high", "urgent"})
	}
	if g.chance(0.85) && c.status != "pending" {
		c.assignee = w.agents[g.rng.IntN(len(w.agents)-1)] // not the unconfirmed one
	}
	if g.chance(0.5) {
		c.team = pick(g.rng, w.teams)
	}
	for range g.rng.IntN(4) {
		if l := pick(g.rng, labelNames[:]); !slices.Contains(c.labels, l) {
			c.labels = append(c.labels, l)
		}
	}
	c.muted = g.chance(0.02)
	if c.extras {
		c.custom = marshalRaw(map[string]any{"order_id": fmt.Sprintf("ORD-%05d", c.id), "mrr": 1249.5, "churn_risk": c.id%2 == 0})
	}

	// Activity happens within span after creation, and ends before Start.
	span := time.Duration(g.rng.ExpFloat64() * float64(36*time.Hour))
	span = max(time.Minute, min(span, age-10*time.Minute))
	g.messages(c, span)

	last, changed := c.created, c.created
	if m := c.lastMessage(); m != nil {
		last = m.created
	}
	for _, m := range c.messages {
		changed = later(changed, m.modified) // a deletion touches the conversation
	}
	c.lastActivity = last
	c.updated = later(last, changed).Add(time.Duration(g.rng.Int64N(int64(time.Second)))).Truncate(time.Microsecond)
	c.contactSeen = last
	c.agentSeen = last
	if g.chance(0.3) && len(c.messages) > 1 { // some incoming messages stay unread
		c.agentSeen = c.messages[len(c.messages)/2].created
	}
	if c.status == "snoozed" && g.chance(0.7) {
		c.snoozedUntil = g.start.Add(time.Hour + time.Duration(g.rng.Int64N(int64(72*time.Hour)))).Truncate(time.Second)
	}
	if w.enterprise && g.chance(0.4) {
		g.sla(c)
	}
}

func (g *generator) status(age time.Duration) string {
	r := g.rng.Float64()
	if age > 14*24*time.Hour {
		switch {
		case r < 0.85:
			return "resolved"
		case r < 0.93:
			return "open"
		case r < 0.96:
			return "pending"
		}
		return "snoozed"
	}
	switch {
	case r < 0.45:
		return "open"
	case r < 0.60:
		return "pending"
	case r < 0.70:
		return "snoozed"
	}
	return "resolved"
}

// messages adds c's messages in time order; their ids are assigned later, in
// time order across the whole account.
func (g *generator) messages(c *conversation, span time.Duration) {
	n := 0
	if g.avg > 0 {
		n = g.rng.IntN(2*g.avg + 1)
		if c.id%50 == 1 {
			n = 121 + g.rng.IntN(150)
		}
	}
	if n == 0 {
		return
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = c.created.Add(time.Duration(g.rng.Int64N(int64(span))))
	}
	slices.SortFunc(times, time.Time.Compare)
	times[0] = c.created

	subject := pick(g.rng, subjects[:]) + " " + pick(g.rng, problems[:])
	for i, at := range times {
		var m *message
		switch r := g.rng.Float64(); {
		case i == 0:
			m = g.incoming(c, at, pick(g.rng, customerOpeners[:]), subject)
			if !g.long {
				m.content, g.long = longBody(), true
			}
		case r < 0.40:
			m = g.add(c, at, msgOutgoing, senderUser, g.agentFor(c).id)
			m.content = pick(g.rng, agentReplies[:])
			m.status = pick(g.rng, []string{"sent", "delivered", "read", "read", "failed"})
		case r < 0.70:
			m = g.incoming(c, at, pick(g.rng, customerFollowUps[:]), "Re: "+subject)
		case r < 0.80:
			m = g.add(c, at, msgOutgoing, senderUser, g.agentFor(c).id)
			m.content, m.private = pick(g.rng, privateNotes[:]), true
		case r < 0.86:
			t := pick(g.rng, templates[:])
			m = g.add(c, at, msgTemplate, senderAgentBot, g.w.bot.id)
			m.content, m.contentType, m.attrs = t.content, t.contentType, t.attrs
		default:
			m = g.add(c, at, msgActivity, "", 0)
			a := g.agentFor(c)
			m.content = pick(g.rng, []string{
				"Assigned to " + a.name + " by " + g.w.agents[0].name,
				a.name + " added " + pick(g.rng, labelNames[:]),
				a.name + " set the priority to high",
				"Conversation unassigned by " + a.name,
			})
		}
		if m.messageType != msgActivity && m.messageType != msgTemplate && g.chance(0.06) {
			for range 1 + g.rng.IntN(2) {
				m.attach = append(m.attach, g.w.newAttachment(pick(g.rng, attachmentKinds[:]), 200+g.rng.IntN(5_000_000)))
			}
			if i > 0 && g.chance(0.4) {
				m.content, m.contentNull = "", true // attachment only
			}
		}
		if (i > 0 && m.messageType != msgActivity && g.chance(0.02)) || (c.id == 1 && i == 2) {
			markDeleted(m)
			m.modified = m.created.Add(time.Duration(1+g.rng.IntN(500)) * time.Second)
		}
	}
	if c.status != "open" { // how the conversation reached its status
		at := earlier(times[len(times)-1].Add(time.Duration(1+g.rng.IntN(3600))*time.Second), g.start.Add(-time.Minute))
		m := g.add(c, at, msgActivity, "", 0)
		m.content = statusActivity(c.status, g.w.actor(c).name)
	}
}

func (g *generator) incoming(c *conversation, at time.Time, body, subject string) *message {
	m := g.add(c, at, msgIncoming, senderContact, c.contact.id)
	m.content = body
	switch c.inbox.id {
	case inboxEmail:
		m.contentType = "incoming_email"
		m.attrs = emailAttrs(c.contact.name+" <"+c.contact.email+">", subject, body)
		m.sourceID = "<" + uuidFor(uint64(len(g.all))^0xe1) + "@mail.example.com>"
	case inboxWhatsApp:
		m.sourceID = "wamid." + tokenFor(uint64(len(g.all)), "wa", 32)
	}
	return m
}

// add appends a message to c without an id (assignMessageIDs gives them).
func (g *generator) add(c *conversation, at time.Time, messageType int, senderType string, senderID int) *message {
	m := &message{
		conv: c, contentType: "text", attrs: rawEmptyObject, messageType: messageType, status: "sent",
		senderType: senderType, senderID: senderID,
		created: at.UTC().Truncate(time.Second), modified: at.UTC().Truncate(time.Millisecond),
	}
	c.messages = append(c.messages, m)
	g.all = append(g.all, m)
	return m
}

// assignMessageIDs numbers every message in time order across the account
// (ties: by conversation, then position), as a database sequence would.
func (g *generator) assignMessageIDs() {
	slices.SortStableFunc(g.all, func(a, b *message) int {
		if d := a.created.Compare(b.created); d != 0 {
			return d
		}
		return cmp.Compare(a.conv.id, b.conv.id)
	})
	w := g.w
	for _, m := range g.all {
		w.lastMessage++
		m.id = w.lastMessage
		w.messages[m.id] = m
	}
}

// settleContacts makes each contact's creation precede its first
// conversation, and its last activity its latest incoming message.
func (g *generator) settleContacts() {
	for ct, first := range g.firstConv {
		ct.created = first.Add(-time.Duration(1+mix(uint64(ct.id))%3600) * time.Second).Truncate(time.Second)
		ct.lastActivity = ct.created
	}
	for _, c := range g.w.convs {
		for _, m := range c.messages {
			if m.messageType == msgIncoming && m.created.After(c.contact.lastActivity) {
				c.contact.lastActivity = m.created
			}
		}
	}
	for _, ct := range g.w.contacts {
		ct.lastActivity = later(ct.lastActivity, ct.created)
	}
}

func (g *generator) sla(c *conversation) {
	w := g.w
	w.lastSLA++
	s := &appliedSLA{id: w.lastSLA, policy: pick(g.rng, w.policies), created: c.created, updated: c.lastActivity}
	switch {
	case c.status == "resolved" && g.chance(0.75):
		s.status = "hit"
	case c.status == "resolved":
		s.status = "missed"
	case g.chance(0.7):
		s.status = "active"
	default:
		s.status = "active_with_misses"
	}
	if s.status == "missed" || s.status == "active_with_misses" {
		window := max(c.lastActivity.Sub(c.created), time.Second)
		for _, typ := range []string{"frt", "nrt", "rt"}[:1+g.rng.IntN(3)] {
			w.lastSLAEvent++
			at := c.created.Add(time.Duration(g.rng.Int64N(int64(window)))).Truncate(time.Second)
			s.events = append(s.events, slaEvent{id: w.lastSLAEvent, eventType: typ, created: at})
		}
		slices.SortFunc(s.events, func(a, b slaEvent) int { return a.created.Compare(b.created) })
	}
	c.sla = s
}

// agentFor is who answers on c: mostly its assignee, sometimes a colleague.
func (g *generator) agentFor(c *conversation) *agent {
	if c.assignee != nil && g.chance(0.85) {
		return c.assignee
	}
	return g.w.agents[g.rng.IntN(len(g.w.agents)-1)]
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

package chatwoottest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
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
		Generator: fakeapi.NewGenerator(cfg.Seed, 0xc4a7, w.clock.Now(), cfg.MessagesPerConversation),
		w:         w,
		v:         w.vocab,
	}
	g.contacts(max(3, cfg.Conversations*2/3))
	// Display ids grow with creation time, as in a real account.
	for _, created := range g.CreationTimes(cfg.Conversations) {
		g.conversation(created)
	}
	g.assignMessageIDs()
	g.settleContacts()
	return w
}

type generator struct {
	fakeapi.Generator
	w *Workspace
	v *vocab

	apiContact *contact
	firstConv  map[*contact]time.Time
	all        []*message
	long       bool // the very long body has been used
}

func (g *generator) contacts(n int) {
	w := g.w
	g.firstConv = map[*contact]time.Time{}
	for i := range n {
		var in *inbox
		switch r := g.Rng.Float64(); {
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
		anonymous := in.id == inboxWebsite && g.Chance(0.2)
		name := fakeapi.Pick(g.Rng, g.v.FirstNames) + " " + fakeapi.Pick(g.Rng, g.v.LastNames)
		if anonymous {
			name = fakeapi.Pick(g.Rng, g.v.visitorWords) + "-" + fakeapi.Pick(g.Rng, g.v.visitorNouns) + "-" + strconv.Itoa(100+g.Rng.IntN(900))
		}
		// Provisional: contacts that write get their creation moved to just
		// before their first conversation by settleContacts.
		created := g.Start.Add(-time.Duration(g.Rng.Int64N(int64(400 * 24 * time.Hour))))
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
		if g.Chance(0.3) { // regulars write again and again
			ct = w.contacts[g.Rng.IntN(max(1, len(w.contacts)/10))]
		} else {
			ct = fakeapi.Pick(g.Rng, w.contacts)
		}
	}
	if _, ok := g.firstConv[ct]; !ok {
		g.firstConv[ct] = created
	}
	c := w.newConversation(ct, created)
	age := g.Start.Sub(c.created)

	c.status = g.status(age)
	if g.Chance(0.45) {
		c.priority = fakeapi.Pick(g.Rng, []string{"low", "medium", "medium", "high", "urgent"})
	}
	if g.Chance(0.85) && c.status != "pending" {
		c.assignee = w.agents[g.Rng.IntN(len(w.agents)-1)] // not the unconfirmed one
	}
	if g.Chance(0.5) {
		c.team = fakeapi.Pick(g.Rng, w.teams)
	}
	for range g.Rng.IntN(4) {
		if l := fakeapi.Pick(g.Rng, g.v.labelNames); !slices.Contains(c.labels, l) {
			c.labels = append(c.labels, l)
		}
	}
	c.muted = g.Chance(0.02)
	if c.extras {
		c.custom = marshalRaw(map[string]any{"order_id": fmt.Sprintf("ORD-%05d", c.id), "mrr": 1249.5, "churn_risk": c.id%2 == 0})
	}

	// Activity happens within span after creation, and ends before Start.
	span := time.Duration(g.Rng.ExpFloat64() * float64(36*time.Hour))
	span = max(time.Minute, min(span, age-10*time.Minute))
	g.messages(c, span)

	last, changed := c.created, c.created
	if m := c.lastMessage(); m != nil {
		last = m.created
	}
	for _, m := range c.messages {
		changed = fakeapi.Later(changed, m.modified) // a deletion touches the conversation
	}
	c.lastActivity = last
	c.updated = fakeapi.Later(last, changed).Add(time.Duration(g.Rng.Int64N(int64(time.Second)))).Truncate(time.Microsecond)
	c.contactSeen = last
	c.agentSeen = last
	if g.Chance(0.3) && len(c.messages) > 1 { // some incoming messages stay unread
		c.agentSeen = c.messages[len(c.messages)/2].created
	}
	if c.status == "snoozed" && g.Chance(0.7) {
		c.snoozedUntil = g.Start.Add(time.Hour + time.Duration(g.Rng.Int64N(int64(72*time.Hour)))).Truncate(time.Second)
	}
	if w.enterprise && g.Chance(0.4) {
		g.sla(c)
	}
}

// status draws the status of a conversation of the given age: old ones are
// mostly resolved.
func (g *generator) status(age time.Duration) string {
	if age > 14*24*time.Hour {
		return fakeapi.Draw(g.Rng, []string{"resolved", "open", "pending", "snoozed"}, 85, 8, 3, 4)
	}
	return fakeapi.Draw(g.Rng, []string{"open", "pending", "snoozed", "resolved"}, 45, 15, 10, 30)
}

// messages adds c's messages in time order; their ids are assigned later, in
// time order across the whole account.
func (g *generator) messages(c *conversation, span time.Duration) {
	n := g.MessageCount()
	if g.Avg > 0 && c.id%50 == 1 {
		n = 121 + g.Rng.IntN(150)
	}
	if n == 0 {
		return
	}
	times := fakeapi.ThreadTimes(n, c.created, func() time.Time {
		return c.created.Add(time.Duration(g.Rng.Int64N(int64(span))))
	})

	subject := fakeapi.Pick(g.Rng, g.v.Subjects) + " " + fakeapi.Pick(g.Rng, g.v.Problems)
	for i, at := range times {
		var m *message
		switch r := g.Rng.Float64(); {
		case i == 0:
			m = g.incoming(c, at, fakeapi.Pick(g.Rng, g.v.Openers), subject)
			if !g.long {
				m.content, g.long = fakeapi.LongBody(), true
			}
		case r < 0.40:
			m = g.add(c, at, msgOutgoing, senderUser, g.agentFor(c).id)
			m.content = fakeapi.Pick(g.Rng, g.v.Replies)
			m.status = fakeapi.Pick(g.Rng, []string{"sent", "delivered", "read", "read", "failed"})
		case r < 0.70:
			m = g.incoming(c, at, fakeapi.Pick(g.Rng, g.v.FollowUps), "Re: "+subject)
		case r < 0.80:
			m = g.add(c, at, msgOutgoing, senderUser, g.agentFor(c).id)
			m.content, m.private = fakeapi.Pick(g.Rng, g.v.Notes), true
		case r < 0.86:
			t := fakeapi.Pick(g.Rng, g.v.templates)
			m = g.add(c, at, msgTemplate, senderAgentBot, g.w.bot.id)
			m.content, m.contentType, m.attrs = t.content, t.contentType, t.attrs
		default:
			m = g.add(c, at, msgActivity, "", 0)
			a := g.agentFor(c)
			m.content = fakeapi.Pick(g.Rng, []string{
				"Assigned to " + a.name + " by " + g.w.agents[0].name,
				a.name + " added " + fakeapi.Pick(g.Rng, g.v.labelNames),
				a.name + " set the priority to high",
				"Conversation unassigned by " + a.name,
			})
		}
		if m.messageType != msgActivity && m.messageType != msgTemplate && g.Chance(0.06) {
			for range 1 + g.Rng.IntN(2) {
				m.attach = append(m.attach, g.w.newAttachment(fakeapi.Pick(g.Rng, g.v.attachments), 200+g.Rng.IntN(5_000_000)))
			}
			if i > 0 && g.Chance(0.4) {
				m.content, m.contentNull = "", true // attachment only
			}
		}
		if (i > 0 && m.messageType != msgActivity && g.Chance(0.02)) || (c.id == 1 && i == 2) {
			markDeleted(m)
			m.modified = m.created.Add(time.Duration(1+g.Rng.IntN(500)) * time.Second)
		}
	}
	if c.status != "open" { // how the conversation reached its status
		at := earlier(times[len(times)-1].Add(time.Duration(1+g.Rng.IntN(3600))*time.Second), g.Start.Add(-time.Minute))
		m := g.add(c, at, msgActivity, "", 0)
		m.content, _ = statusActivity(c.status, g.w.actor(c).name)
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
		ct.created = first.Add(-time.Duration(1+fakeapi.Mix(uint64(ct.id))%3600) * time.Second).Truncate(time.Second)
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
		ct.lastActivity = fakeapi.Later(ct.lastActivity, ct.created)
	}
}

func (g *generator) sla(c *conversation) {
	w := g.w
	w.lastSLA++
	s := &appliedSLA{id: w.lastSLA, policy: fakeapi.Pick(g.Rng, w.policies), created: c.created, updated: c.lastActivity}
	switch {
	case c.status == "resolved" && g.Chance(0.75):
		s.status = "hit"
	case c.status == "resolved":
		s.status = "missed"
	case g.Chance(0.7):
		s.status = "active"
	default:
		s.status = "active_with_misses"
	}
	if s.status == "missed" || s.status == "active_with_misses" {
		window := max(c.lastActivity.Sub(c.created), time.Second)
		for _, typ := range []string{"frt", "nrt", "rt"}[:1+g.Rng.IntN(3)] {
			w.lastSLAEvent++
			at := c.created.Add(time.Duration(g.Rng.Int64N(int64(window)))).Truncate(time.Second)
			s.events = append(s.events, slaEvent{id: w.lastSLAEvent, eventType: typ, created: at})
		}
		slices.SortFunc(s.events, func(a, b slaEvent) int { return a.created.Compare(b.created) })
	}
	c.sla = s
}

// agentFor is who answers on c: mostly its assignee, sometimes a colleague.
func (g *generator) agentFor(c *conversation) *agent {
	if c.assignee != nil && g.Chance(0.85) {
		return c.assignee
	}
	return g.w.agents[g.Rng.IntN(len(g.w.agents)-1)]
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

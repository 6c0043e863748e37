package chatvolttest

import (
	"math/rand/v2"
	"slices"
	"time"
)

// GenerateConfig sizes a generated workspace.
type GenerateConfig struct {
	// Seed makes the data deterministic: the same config yields the same
	// workspace.
	Seed int64
	// Conversations is the number of conversations.
	Conversations int
	// MessagesPerConversation is the average number of messages; each
	// conversation gets between 0 and twice that many.
	MessagesPerConversation int
	// Start is "now" for the generated organization: conversations are created
	// over the 365 days before it, every generated timestamp is before it, and
	// the workspace clock starts there.
	Start time.Time
}

// Generate builds a realistic organization: conversations on every channel
// and in every status, with and without priority, frustration, title,
// assignees, tags, variables and CRM scenario links; messages from visitors,
// contacts, the AI agent and human operators, some unread, evaluated, edited,
// very long or full of unicode and HTML; a sprinkling of undocumented fields;
// and a few conversations created in the same millisecond as another.
func Generate(cfg GenerateConfig) *Workspace {
	w := NewWorkspace(cfg.Start)
	g := &generator{
		w:     w,
		v:     newVocab(),
		rng:   rand.New(rand.NewPCG(uint64(cfg.Seed), 0xc4a7)),
		start: w.now,
		avg:   max(0, cfg.MessagesPerConversation),
	}
	const year = 365 * 24 * time.Hour
	offsets := make([]int64, max(0, cfg.Conversations))
	for i := range offsets {
		offsets[i] = g.rng.Int64N(int64(year - time.Hour))
	}
	slices.Sort(offsets)
	var prev time.Time
	for i, off := range offsets {
		created := g.start.Add(-year + time.Duration(off))
		// Bulk imports create several conversations in one millisecond: ties
		// that list order, cursors and date windows must all cope with.
		if i > 0 && g.chance(0.03) {
			created = prev
		}
		prev = g.conversation(created).created
	}
	w.sortOrder()
	return w
}

type generator struct {
	w     *Workspace
	v     *vocab
	rng   *rand.Rand
	start time.Time
	avg   int
	long  bool // the one very long text has been used
}

func (g *generator) conversation(created time.Time) *conversation {
	w := g.w
	c := w.newConversation(created)
	age := g.start.Sub(c.created)

	c.channel = g.channel()
	c.status = g.status(age)
	c.aiEnabled = g.chance(0.8)
	if c.status == statusHumanRequested && g.chance(0.7) {
		c.aiEnabled = false // a human took over
	}
	if g.chance(0.92) {
		c.agentID = pick(g.rng, w.agents)
	}
	c.title = g.title()
	if g.chance(0.6) {
		c.priority = pick(g.rng, []string{"LOW", "MEDIUM", "HIGH"})
	}
	if g.chance(0.5) {
		f := float64(g.rng.IntN(101)) / 100
		c.frustration = &f
	}
	g.channelFields(c)
	if g.chance(0.1) {
		c.metadata = "null"
	}

	switch r := g.rng.Float64(); {
	case r < 0.4:
	case r < 0.85:
		c.assignees = []*member{pick(g.rng, w.members)}
	default:
		c.assignees = pickDistinct(g.rng, w.members, 2)
	}
	c.tags = pickDistinct(g.rng, w.tags, g.rng.IntN(4))
	for _, spec := range pickDistinct(g.rng, g.v.variables, g.rng.IntN(4)) {
		c.variables = append(c.variables, variable{id: w.newID(c.created), name: spec.name, value: pick(g.rng, spec.values)})
	}

	// The conversation's activity happens within span after creation, and
	// ends at least two minutes before Start.
	span := time.Duration(g.rng.ExpFloat64() * float64(12*time.Hour))
	span = max(time.Minute, min(span, age-2*time.Minute))
	at := func() time.Time { return trunc(c.created.Add(time.Duration(g.rng.Int64N(int64(span))))) }

	if g.chance(0.15) {
		c.contexts = append(c.contexts, convContext{id: w.newID(c.created), content: pick(g.rng, g.v.contexts), created: at()})
	}
	links := 0
	switch r := g.rng.Float64(); {
	case r < 0.05:
		links = 2
	case r < 0.25:
		links = 1
	}
	for _, sc := range pickDistinct(g.rng, w.scenarios, links) {
		l := crmLink{scenario: sc, step: pick(g.rng, sc.steps), available: g.chance(0.85), created: at()}
		l.updated = l.created
		if g.chance(0.5) {
			l.updated = g.laterBefore(l.created)
		}
		c.crm = append(c.crm, l)
	}

	g.messages(c, at)

	c.updated = c.created
	for _, m := range c.messages {
		c.updated = later(c.updated, m.updated)
	}
	for _, l := range c.crm {
		c.updated = later(c.updated, l.updated)
	}
	for _, x := range c.contexts {
		c.updated = later(c.updated, x.created)
	}
	c.updated = trunc(c.updated.Add(time.Duration(g.rng.Int64N(int64(time.Second)))))
	return c
}

func (g *generator) channel() string {
	switch r := g.rng.IntN(100); {
	case r < 30:
		return "website"
	case r < 60:
		return "whatsapp"
	case r < 72:
		return "dashboard"
	case r < 80:
		return "telegram"
	case r < 88:
		return "mail"
	case r < 92:
		return "form"
	case r < 96:
		return "api"
	}
	return "instagram"
}

// channelFields sets what depends on the channel: who the customer is
// (visitor, contact or dashboard user) and the channel's own references.
func (g *generator) channelFields(c *conversation) {
	w := g.w
	switch c.channel {
	case "website", "form", "api":
		c.visitorID = w.newID(c.created)
		if c.channel == "form" {
			c.formID = pick(g.rng, w.forms)
		}
		if c.channel == "website" && g.chance(0.5) {
			c.metadata = `{"pageUrl":"https://loja.example.com.br/checkout?step=2","userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)","locale":"pt-BR"}`
		}
	case "dashboard":
		c.userID = pick(g.rng, w.members).id
	default: // whatsapp, telegram, mail, instagram: a known contact
		ct := contact{id: w.newID(c.created)}
		if g.chance(0.8) {
			ct.firstName = pick(g.rng, g.v.firstNames)
			if g.chance(0.7) {
				ct.lastName = pick(g.rng, g.v.lastNames)
			}
		}
		switch c.channel {
		case "whatsapp":
			ct.phoneNumber = "+55119" + digits(g.rng, 8)
			c.channelExternalID = ct.phoneNumber[1:]
			c.channelCredentialsID = w.credentials[0]
		case "telegram":
			c.channelExternalID = digits(g.rng, 10)
			c.channelCredentialsID = w.credentials[1]
		case "mail":
			ct.email = emailLocal(first(ct.firstName, "cliente"), first(ct.lastName, digits(g.rng, 4))) + "@example.com"
			c.mailInboxID = pick(g.rng, w.inboxes)
			c.channelExternalID = "<" + digits(g.rng, 12) + "@mail.example.com>"
		case "instagram":
			c.channelExternalID = digits(g.rng, 16)
		}
		if g.chance(0.2) && ct.email == "" {
			ct.email = emailLocal(first(ct.firstName, "contato"), digits(g.rng, 3)) + "@example.com.br"
		}
		c.contacts = []contact{ct}
	}
}

// messages adds the conversation's messages: a customer opens, then the AI
// agent, operators and the customer take turns at random.
func (g *generator) messages(c *conversation, at func() time.Time) {
	n := 0
	if g.avg > 0 {
		n = g.rng.IntN(2*g.avg + 1)
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = at()
	}
	slices.SortFunc(times, time.Time.Compare)
	for i := range times {
		switch {
		case i == 0:
			times[0] = c.created // the customer's opening message
		case g.chance(0.02):
			times[i] = times[i-1] // two messages in one millisecond
		}
	}

	for i, t := range times {
		var m *message
		if i == 0 || g.chance(0.45) {
			m = g.w.newMessage(c, fromHuman, t)
			g.w.humanAuthor(c, m)
			m.text = pick(g.rng, g.v.followUps)
			if i == 0 {
				m.text = pick(g.rng, g.v.openers)
				if !g.long {
					m.text, g.long = longText(), true
				}
			}
			if c.channel == "mail" {
				m.html = htmlOf(m.text)
			}
		} else {
			m = g.w.newMessage(c, fromAgent, t)
			if c.aiEnabled && c.agentID != "" && g.chance(0.85) {
				m.agentID = c.agentID
				m.text = pick(g.rng, g.v.aiReplies)
				switch r := g.rng.Float64(); {
				case r < 0.08:
					m.eval = "good"
				case r < 0.11:
					m.eval = "bad"
				}
			} else {
				m.userID = g.w.operator(c).id
				m.text = pick(g.rng, g.v.operatorReplies)
			}
			m.html = htmlOf(m.text)
		}
		m.read = true
		if g.chance(0.04) {
			m.text += "\n\n(editado)"
			if m.html != "" {
				m.html = htmlOf(m.text)
			}
			m.updated = g.laterBefore(m.created)
		}
	}
	c.sortMessages()

	// In open conversations, what the customer wrote since the last answer is
	// still unread.
	if c.status != statusResolved {
		for i := len(c.messages) - 1; i >= 0 && c.messages[i].from == fromHuman; i-- {
			c.messages[i].read = false
		}
	}
}

func (g *generator) status(age time.Duration) string {
	r := g.rng.Float64()
	if age > 30*24*time.Hour {
		switch {
		case r < 0.85:
			return statusResolved
		case r < 0.95:
			return statusUnresolved
		}
		return statusHumanRequested
	}
	switch {
	case r < 0.5:
		return statusUnresolved
	case r < 0.7:
		return statusHumanRequested
	}
	return statusResolved
}

func (g *generator) title() string {
	switch r := g.rng.Float64(); {
	case r < 0.06:
		return "" // served as null
	case r < 0.11:
		return pick(g.rng, g.v.specialTitles)
	}
	return pick(g.rng, g.v.titleSubjects) + " " + pick(g.rng, g.v.titleProblems)
}

// laterBefore returns a time a little after t, but at least a second before
// Start.
func (g *generator) laterBefore(t time.Time) time.Time {
	room := g.start.Sub(t) - time.Second
	if room <= time.Millisecond {
		return t
	}
	d := time.Duration(g.rng.Int64N(int64(min(room, 6*time.Hour))))
	return trunc(t.Add(max(d, time.Millisecond)))
}

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// pickDistinct returns n distinct elements of s (fewer if s is shorter), in
// random order.
func pickDistinct[T any](rng *rand.Rand, s []T, n int) []T {
	if n <= 0 {
		return nil
	}
	idx := rng.Perm(len(s))
	var out []T
	for _, i := range idx[:min(n, len(s))] {
		out = append(out, s[i])
	}
	return out
}

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '7'
	}
	return string(b)
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

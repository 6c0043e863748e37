package chatvolttest

import (
	"math/rand/v2"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
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
		Generator: fakeapi.NewGenerator(cfg.Seed, 0xc4a7, w.clock.Now(), cfg.MessagesPerConversation),
		w:         w,
		v:         newVocab(),
	}
	var prev time.Time
	for i, created := range g.CreationTimes(cfg.Conversations) {
		// Bulk imports create several conversations in one millisecond: ties
		// that list order, cursors and date windows must all cope with.
		if i > 0 && g.Chance(0.03) {
			created = prev
		}
		prev = g.conversation(created).created
	}
	w.sortOrder()
	return w
}

type generator struct {
	fakeapi.Generator
	w    *Workspace
	v    *vocab
	long bool // the one very long text has been used
}

func (g *generator) conversation(created time.Time) *conversation {
	w := g.w
	c := w.newConversation(created)
	age := g.Start.Sub(c.created)

	c.channel = g.channel()
	c.status = g.status(age)
	c.aiEnabled = g.Chance(0.8)
	if c.status == statusHumanRequested && g.Chance(0.7) {
		c.aiEnabled = false // a human took over
	}
	if g.Chance(0.92) {
		c.agentID = fakeapi.Pick(g.Rng, w.agents)
	}
	c.title = g.title()
	if g.Chance(0.6) {
		c.priority = fakeapi.Pick(g.Rng, []string{"LOW", "MEDIUM", "HIGH"})
	}
	if g.Chance(0.5) {
		f := float64(g.Rng.IntN(101)) / 100
		c.frustration = &f
	}
	g.channelFields(c)
	if g.Chance(0.1) {
		c.metadata = "null"
	}

	switch r := g.Rng.Float64(); {
	case r < 0.4:
	case r < 0.85:
		c.assignees = []*member{fakeapi.Pick(g.Rng, w.members)}
	default:
		c.assignees = pickDistinct(g.Rng, w.members, 2)
	}
	c.tags = pickDistinct(g.Rng, w.tags, g.Rng.IntN(4))
	for _, spec := range pickDistinct(g.Rng, g.v.variables, g.Rng.IntN(4)) {
		c.variables = append(c.variables, variable{id: w.newID(c.created), name: spec.name, value: fakeapi.Pick(g.Rng, spec.values)})
	}

	// The conversation's activity happens within span after creation, and
	// ends at least two minutes before Start.
	span := time.Duration(g.Rng.ExpFloat64() * float64(12*time.Hour))
	span = max(time.Minute, min(span, age-2*time.Minute))
	at := func() time.Time { return trunc(c.created.Add(time.Duration(g.Rng.Int64N(int64(span))))) }

	if g.Chance(0.15) {
		c.contexts = append(c.contexts, convContext{id: w.newID(c.created), content: fakeapi.Pick(g.Rng, g.v.contexts), created: at()})
	}
	links := 0
	switch r := g.Rng.Float64(); {
	case r < 0.05:
		links = 2
	case r < 0.25:
		links = 1
	}
	for _, sc := range pickDistinct(g.Rng, w.scenarios, links) {
		l := crmLink{scenario: sc, step: fakeapi.Pick(g.Rng, sc.steps), available: g.Chance(0.85), created: at()}
		l.updated = l.created
		if g.Chance(0.5) {
			l.updated = trunc(g.LaterBefore(l.created))
		}
		c.crm = append(c.crm, l)
	}

	g.messages(c, at)

	c.updated = c.created
	for _, m := range c.messages {
		c.updated = fakeapi.Later(c.updated, m.updated)
	}
	for _, l := range c.crm {
		c.updated = fakeapi.Later(c.updated, l.updated)
	}
	for _, x := range c.contexts {
		c.updated = fakeapi.Later(c.updated, x.created)
	}
	c.updated = trunc(c.updated.Add(time.Duration(g.Rng.Int64N(int64(time.Second)))))
	return c
}

func (g *generator) channel() string {
	return fakeapi.Draw(g.Rng, []string{"website", "whatsapp", "dashboard", "telegram", "mail", "form", "api", "instagram"}, 30, 30, 12, 8, 8, 4, 4, 4)
}

// channelFields sets what depends on the channel: who the customer is
// (visitor, contact or dashboard user) and the channel's own references.
func (g *generator) channelFields(c *conversation) {
	w := g.w
	switch c.channel {
	case "website", "form", "api":
		c.visitorID = w.newID(c.created)
		if c.channel == "form" {
			c.formID = fakeapi.Pick(g.Rng, w.forms)
		}
		if c.channel == "website" && g.Chance(0.5) {
			c.metadata = `{"pageUrl":"https://loja.example.com.br/checkout?step=2","userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)","locale":"pt-BR"}`
		}
	case "dashboard":
		c.userID = fakeapi.Pick(g.Rng, w.members).id
	default: // whatsapp, telegram, mail, instagram: a known contact
		ct := contact{id: w.newID(c.created)}
		if g.Chance(0.8) {
			ct.firstName = fakeapi.Pick(g.Rng, g.v.firstNames)
			if g.Chance(0.7) {
				ct.lastName = fakeapi.Pick(g.Rng, g.v.lastNames)
			}
		}
		switch c.channel {
		case "whatsapp":
			ct.phoneNumber = "+55119" + digits(g.Rng, 8)
			c.channelExternalID = ct.phoneNumber[1:]
			c.channelCredentialsID = w.credentials[0]
		case "telegram":
			c.channelExternalID = digits(g.Rng, 10)
			c.channelCredentialsID = w.credentials[1]
		case "mail":
			ct.email = fakeapi.EmailLocal(first(ct.firstName, "cliente"), first(ct.lastName, digits(g.Rng, 4))) + "@example.com"
			c.mailInboxID = fakeapi.Pick(g.Rng, w.inboxes)
			c.channelExternalID = "<" + digits(g.Rng, 12) + "@mail.example.com>"
		case "instagram":
			c.channelExternalID = digits(g.Rng, 16)
		}
		if g.Chance(0.2) && ct.email == "" {
			ct.email = fakeapi.EmailLocal(first(ct.firstName, "contato"), digits(g.Rng, 3)) + "@example.com.br"
		}
		c.contacts = []contact{ct}
	}
}

// messages adds the conversation's messages: a customer opens, then the AI
// agent, operators and the customer take turns at random.
func (g *generator) messages(c *conversation, at func() time.Time) {
	times := fakeapi.ThreadTimes(g.MessageCount(), c.created, at)
	for i := 1; i < len(times); i++ {
		if g.Chance(0.02) {
			times[i] = times[i-1] // two messages in one millisecond
		}
	}

	for i, t := range times {
		var m *message
		if i == 0 || g.Chance(0.45) {
			m = g.w.newMessage(c, fromHuman, t)
			g.w.humanAuthor(c, m)
			m.text = fakeapi.Pick(g.Rng, g.v.followUps)
			if i == 0 {
				m.text = fakeapi.Pick(g.Rng, g.v.openers)
				if !g.long {
					m.text, g.long = longText(), true
				}
			}
			if c.channel == "mail" {
				m.html = htmlOf(m.text)
			}
		} else {
			m = g.w.newMessage(c, fromAgent, t)
			if c.aiEnabled && c.agentID != "" && g.Chance(0.85) {
				m.agentID = c.agentID
				m.text = fakeapi.Pick(g.Rng, g.v.aiReplies)
				switch r := g.Rng.Float64(); {
				case r < 0.08:
					m.eval = "good"
				case r < 0.11:
					m.eval = "bad"
				}
			} else {
				m.userID = g.w.operator(c).id
				m.text = fakeapi.Pick(g.Rng, g.v.operatorReplies)
			}
			m.html = htmlOf(m.text)
		}
		m.read = true
		if g.Chance(0.04) {
			m.text += "\n\n(editado)"
			if m.html != "" {
				m.html = htmlOf(m.text)
			}
			m.updated = trunc(g.LaterBefore(m.created))
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

// status draws the status of a conversation of the given age: old ones are
// mostly resolved.
func (g *generator) status(age time.Duration) string {
	if age > 30*24*time.Hour {
		return fakeapi.Draw(g.Rng, []string{statusResolved, statusUnresolved, statusHumanRequested}, 85, 10, 5)
	}
	return fakeapi.Draw(g.Rng, []string{statusUnresolved, statusHumanRequested, statusResolved}, 50, 20, 30)
}

func (g *generator) title() string {
	switch r := g.Rng.Float64(); {
	case r < 0.06:
		return "" // served as null
	case r < 0.11:
		return fakeapi.Pick(g.Rng, g.v.specialTitles)
	}
	return fakeapi.Pick(g.Rng, g.v.titleSubjects) + " " + fakeapi.Pick(g.Rng, g.v.titleProblems)
}

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

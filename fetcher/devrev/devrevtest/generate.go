package devrevtest

import (
	"math/rand/v2"
	"slices"
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
	// CommentsPerConversation is the average number of comments; each
	// conversation gets between 0 and twice that many.
	CommentsPerConversation int
	// Start is "now" for the generated org: conversations are created over the
	// 365 days before it, every generated timestamp is before it, and the
	// workspace clock starts there.
	Start time.Time
}

// Generate builds a realistic workspace: customers and agents, conversations
// in every stage, comments of every visibility (some edited, deleted, with
// attachments, unicode or very long), stage-change events, shared chats, SLA
// trackers in every stage, and a sprinkling of undocumented fields and unknown
// entry types.
func Generate(cfg GenerateConfig) *Workspace {
	w := NewWorkspace(cfg.Start)
	g := &generator{
		Generator: fakeapi.NewGenerator(cfg.Seed, 0x5eed, w.clock.Now(), cfg.CommentsPerConversation),
		w:         w,
		v:         w.vocab,
	}
	w.addRevUsers(min(max(24, cfg.Conversations/3), 10_000))
	g.chats(max(1, cfg.Conversations/5))
	// Conversation numbers (and display IDs) grow with creation time.
	for _, created := range g.CreationTimes(cfg.Conversations) {
		g.conversation(created)
	}
	g.threads(cfg.Seed)
	return w
}

// threads answers a few comments in threads, which DevRev lists under their
// comment, not under the conversation. They are drawn last, from a source of
// their own, so that they change no other generated record; each reply falls
// between its comment and the conversation's modified_date.
func (g *generator) threads(seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7e2d))
	for num := 1; num <= g.w.lastConv; num++ {
		c := g.w.convs[num]
		for _, parent := range slices.Clone(c.entries) {
			if parent.kind != kindComment || rng.Float64() >= 0.02 || !c.modified.After(parent.created) {
				continue
			}
			for range 1 + rng.IntN(2) {
				at := parent.created.Add(time.Duration(rng.Int64N(int64(c.modified.Sub(parent.created)))))
				e := g.w.newEntry(c, kindComment, at, fakeapi.Pick(rng, g.w.dev))
				e.body, e.visibility, e.replyTo = fakeapi.Pick(rng, g.v.Notes), "internal", parent.num
			}
		}
		c.sortEntries()
	}
}

type generator struct {
	fakeapi.Generator
	w       *Workspace
	v       *vocab
	chatSet []*chat
	long    bool // the one very long body has been used
}

func (g *generator) chats(n int) {
	for i := range n {
		created := g.Start.Add(-400*24*time.Hour + time.Duration(g.Rng.Int64N(int64(380*24*time.Hour))))
		modified := created.Add(time.Duration(g.Rng.Int64N(int64(g.Start.Sub(created) - time.Minute))))
		users := []*user{fakeapi.Pick(g.Rng, g.w.dev), fakeapi.Pick(g.Rng, g.w.rev)}
		if i%4 == 0 {
			users = append(users, fakeapi.Pick(g.Rng, g.w.rev))
		}
		title := "Support ↔ " + g.v.Companies[i%len(g.v.Companies)]
		if i%7 == 3 {
			title = "" // chats may have no title
		}
		g.chatSet = append(g.chatSet, g.w.newChat(title, created, modified, users))
	}
}

func (g *generator) conversation(created time.Time) {
	w := g.w
	c := w.newConversation(created)
	age := g.Start.Sub(c.created)

	customer := fakeapi.Pick(g.Rng, w.rev)
	owner := fakeapi.Pick(g.Rng, w.dev)
	c.createdBy = customer
	c.members = []*user{customer}
	if g.Chance(0.2) {
		c.members = append(c.members, fakeapi.Pick(g.Rng, w.rev))
	}
	if g.Chance(0.3) {
		c.members = append(c.members, owner)
	}
	switch r := g.Rng.Float64(); {
	case r < 0.05: // unassigned
	case r < 0.12:
		c.owners = []*user{owner, fakeapi.Pick(g.Rng, w.dev)}
	default:
		c.owners = []*user{owner}
	}
	c.title = g.title()
	if g.Chance(0.6) {
		c.description = fakeapi.Pick(g.Rng, g.v.Openers)
	}
	c.sourceChannel = fakeapi.Pick(g.Rng, []string{"email", "email", "portal", "plug", "slack", "api"})
	c.stage = g.stage(age)
	g.tags(c)
	if g.Chance(0.3) {
		c.chats = []*chat{fakeapi.Pick(g.Rng, g.chatSet)}
		if g.Chance(0.1) {
			if other := fakeapi.Pick(g.Rng, g.chatSet); other != c.chats[0] {
				c.chats = append(c.chats, other)
			}
		}
		c.sourceChannel = "slack"
	}

	// The conversation's activity happens within span after creation, and
	// never reaches Start.
	span := time.Duration(g.Rng.ExpFloat64() * float64(36*time.Hour))
	span = max(time.Minute, min(span, age-2*time.Minute))
	at := func() time.Time { return c.created.Add(time.Duration(g.Rng.Int64N(int64(span)))) }

	firstReply := g.comments(c, customer, at)
	g.changes(c, owner, span)
	if c.num%31 == 0 {
		e := w.newEntry(c, kindUnknown, at(), customer)
		e.body = "Pinned: customer prefers email over phone."
		e.visibility = "internal"
	}
	c.sortEntries()

	c.modified = c.created
	for _, e := range c.entries {
		c.modified = fakeapi.Later(c.modified, e.modified)
	}
	c.modified = c.prec.trunc(c.modified.Add(time.Duration(g.Rng.Int64N(int64(time.Second)))))
	c.modifiedBy = customer
	if len(c.owners) > 0 && g.Chance(0.7) {
		c.modifiedBy = c.owners[0]
	}

	switch r := g.Rng.Float64(); {
	case r < 0.5:
		g.sla(c, firstReply)
		c.slaEmbedded = true
	case r < 0.7:
		g.sla(c, firstReply)
	}
}

// comments adds the conversation's comments and returns the time of the first
// agent reply (zero if none), which the SLA's first-response metric needs.
func (g *generator) comments(c *conversation, customer *user, at func() time.Time) time.Time {
	n := g.MessageCount()
	if c.num == 1 {
		n = max(n, 1) // the long body lives on conversation 1
	}
	times := fakeapi.ThreadTimes(n, c.created, at)

	var firstReply time.Time
	for i, t := range times {
		var e *entry
		switch r := g.Rng.Float64(); {
		case i == 0:
			e = g.w.newEntry(c, kindComment, t, customer)
			e.body, e.visibility = fakeapi.Pick(g.Rng, g.v.Openers), "external"
			if !g.long {
				e.body, g.long = fakeapi.LongBody(), true
			}
		case r < 0.5:
			e = g.w.newEntry(c, kindComment, t, g.agentFor(c))
			e.body, e.visibility = fakeapi.Pick(g.Rng, g.v.Replies), "external"
			if firstReply.IsZero() {
				firstReply = e.created
			}
		case r < 0.78:
			e = g.w.newEntry(c, kindComment, t, fakeapi.Pick(g.Rng, c.members))
			e.body, e.visibility = fakeapi.Pick(g.Rng, g.v.FollowUps), "external"
			if g.Chance(0.1) {
				e.visibility = "public"
			}
		case r < 0.96:
			e = g.w.newEntry(c, kindComment, t, g.agentFor(c))
			e.body, e.visibility = fakeapi.Pick(g.Rng, g.v.Notes), "internal"
		default:
			e = g.w.newEntry(c, kindComment, t, g.agentFor(c))
			e.body, e.visibility = fakeapi.Pick(g.Rng, g.v.privateNotes), "private"
		}
		if g.Chance(0.06) {
			for range 1 + g.Rng.IntN(2) {
				a := fakeapi.Pick(g.Rng, g.v.attachments)
				e.artifacts = append(e.artifacts, g.w.newArtifact(a.name, a.mime, 200+g.Rng.IntN(5_000_000)))
			}
		}
		// Edits and deletions happen a little later, still before Start.
		switch r := g.Rng.Float64(); {
		case i > 0 && r < 0.02:
			e.deleted, e.body = true, ""
			e.modified = e.prec.trunc(g.LaterBefore(e.created))
		case r < 0.07:
			e.body += "\n\n(edited)"
			e.modified = e.prec.trunc(g.LaterBefore(e.created))
		}
	}
	return firstReply
}

// stagePath is the stage history of a conversation now in stage; its change
// events follow it. ok is false for names that are not conversation stages.
func stagePath(stage string) (path []string, ok bool) {
	switch stage {
	case "new":
		return []string{"new"}, true
	case "active":
		return []string{"new", "active"}, true
	case "waiting_on_user":
		return []string{"new", "active", "waiting_on_user"}, true
	case "suspended":
		return []string{"new", "active", "suspended"}, true
	case "resolved":
		return []string{"new", "active", "waiting_on_user", "resolved"}, true
	case "archived":
		return []string{"new", "active", "resolved", "archived"}, true
	}
	return nil, false
}

func (g *generator) changes(c *conversation, owner *user, span time.Duration) {
	path, _ := stagePath(c.stage)
	for i := 1; i < len(path); i++ {
		// Spread over the span so the latest stage change comes last.
		t := c.created.Add(span * time.Duration(i) / time.Duration(len(path)))
		author := owner
		if path[i] == "archived" {
			author = g.w.sys[0] // archiving is automatic
			c.members = appendUnique(c.members, author)
		}
		e := g.w.newEntry(c, kindChange, t, author)
		e.from, e.to = path[i-1], path[i]
	}
}

func (g *generator) sla(c *conversation, firstReply time.Time) {
	policy := fakeapi.Pick(g.Rng, g.w.policies)
	t := g.w.newTracker(c, policy)
	frt := [...]time.Duration{4 * time.Hour, time.Hour, 30 * time.Minute}[policy.num-1]
	res := [...]time.Duration{72 * time.Hour, 24 * time.Hour, 8 * time.Hour}[policy.num-1]
	closed := c.stage == "resolved" || c.stage == "archived"
	paused := c.stage == "waiting_on_user" || c.stage == "suspended"

	first := g.metric(t, g.w.metrics[0])
	switch {
	case !firstReply.IsZero():
		g.completeMetric(t, first, firstReply, frt)
	case closed:
		g.completeMetric(t, first, c.modified, frt)
	default:
		g.openMetric(t, first, false)
	}
	if g.Chance(0.4) {
		next := g.metric(t, g.w.metrics[1])
		next.inPolicy = !g.Chance(0.1)
		if closed {
			g.completeMetric(t, next, c.modified, 2*frt)
		} else {
			g.openMetric(t, next, paused)
		}
	}
	resolution := g.metric(t, g.w.metrics[2])
	if closed {
		g.completeMetric(t, resolution, c.modified, res)
	} else {
		g.openMetric(t, resolution, paused)
	}
	t.modified = c.modified
}

func (g *generator) metric(t *slaTracker, def *metricDef) *metric {
	m := &metric{def: def, inPolicy: true, completedIn: -1}
	t.metrics = append(t.metrics, m)
	return m
}

// completeMetric completes m at done. The outcome is drawn first (about one in
// five missed) and the target placed to match, so that outcomes are realistic
// whatever the comment timing.
func (g *generator) completeMetric(t *slaTracker, m *metric, done time.Time, nominal time.Duration) {
	created := t.conv.created
	elapsed := done.Sub(created)
	target := done.Add(time.Minute + time.Duration(g.Rng.Int64N(int64(nominal))))
	if g.Chance(0.2) && elapsed > 2*time.Minute {
		target = created.Add(time.Minute + time.Duration(g.Rng.Int64N(int64(elapsed-2*time.Minute))))
	}
	m.target = t.prec.trunc(target)
	m.warning = t.prec.trunc(created.Add(target.Sub(created) * 3 / 4))
	m.complete(done, created, t.prec)
}

// openMetric sets up a metric still running at Start: in the next days, about
// to breach, or already breached.
func (g *generator) openMetric(t *slaTracker, m *metric, paused bool) {
	created := t.conv.created
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(g.Rng.Int64N(int64(hi-lo))) }
	var target, warning time.Time
	switch r := g.Rng.Float64(); {
	case r < 0.25 && !paused: // breached
		target = fakeapi.Later(created.Add(time.Minute), g.Start.Add(-between(time.Minute, 72*time.Hour)))
		warning = created.Add(target.Sub(created) * 3 / 4)
	case r < 0.4 && !paused: // warning
		target = g.Start.Add(between(time.Minute, time.Hour))
		warning = fakeapi.Later(created, g.Start.Add(-between(time.Minute, time.Hour)))
	default: // running, or paused
		target = g.Start.Add(between(time.Hour, 72*time.Hour))
		warning = g.Start.Add(target.Sub(g.Start) / 2)
	}
	m.target, m.warning = t.prec.trunc(target), t.prec.trunc(warning)
	m.settle(g.Start, paused)
}

// stage draws the stage of a conversation of the given age: old ones are
// mostly closed.
func (g *generator) stage(age time.Duration) string {
	if age > 30*24*time.Hour {
		return fakeapi.Draw(g.Rng, []string{"resolved", "archived", "suspended", "waiting_on_user"}, 65, 25, 5, 5)
	}
	return fakeapi.Draw(g.Rng, []string{"new", "active", "waiting_on_user", "suspended", "resolved"}, 20, 25, 15, 5, 35)
}

func (g *generator) title() string {
	if g.Chance(0.05) {
		return fakeapi.Pick(g.Rng, g.v.specialTitles)
	}
	t := fakeapi.Pick(g.Rng, g.v.Subjects) + " " + fakeapi.Pick(g.Rng, g.v.Problems)
	if g.Chance(0.05) {
		t = "Re: " + t
	}
	return t
}

func (g *generator) tags(c *conversation) {
	for range g.Rng.IntN(4) {
		tg := fakeapi.Pick(g.Rng, g.w.tags)
		if slices.ContainsFunc(c.tags, func(v tagValue) bool { return v.tag == tg }) {
			continue
		}
		tv := tagValue{tag: tg}
		if vals := tagValues(tg.name); vals != nil {
			tv.value = fakeapi.Pick(g.Rng, vals)
		}
		c.tags = append(c.tags, tv)
	}
}

// agentFor is who answers on c: mostly its owner, sometimes a colleague.
func (g *generator) agentFor(c *conversation) *user {
	if len(c.owners) > 0 && g.Chance(0.85) {
		return c.owners[0]
	}
	return fakeapi.Pick(g.Rng, g.w.dev)
}

func appendUnique[T comparable](s []T, v T) []T {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

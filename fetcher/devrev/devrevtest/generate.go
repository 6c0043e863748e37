package devrevtest

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
		w:     w,
		rng:   rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed)),
		start: w.now,
		avg:   cfg.CommentsPerConversation,
	}
	w.addRevUsers(min(max(24, cfg.Conversations/3), 10_000))
	g.chats(max(1, cfg.Conversations/5))

	// Creation times are drawn first and sorted so that conversation numbers
	// (and display IDs) grow with creation time, as in a real org.
	const year = 365 * 24 * time.Hour
	offsets := make([]int64, cfg.Conversations)
	for i := range offsets {
		offsets[i] = g.rng.Int64N(int64(year - time.Hour))
	}
	slices.Sort(offsets)
	for _, off := range offsets {
		g.conversation(g.start.Add(-year + time.Duration(off)))
	}
	return w
}

type generator struct {
	w       *Workspace
	rng     *rand.Rand
	start   time.Time
	avg     int
	chatSet []*chat
	long    bool // the one very long body has been used
}

func (g *generator) chats(n int) {
	for i := range n {
		created := g.start.Add(-400*24*time.Hour + time.Duration(g.rng.Int64N(int64(380*24*time.Hour))))
		modified := created.Add(time.Duration(g.rng.Int64N(int64(g.start.Sub(created) - time.Minute))))
		users := []*user{pickFrom(g.rng, g.w.dev), pickFrom(g.rng, g.w.rev)}
		if i%4 == 0 {
			users = append(users, pickFrom(g.rng, g.w.rev))
		}
		title := "Support ↔ " + companies[i%len(companies)]
		if i%7 == 3 {
			title = "" // chats may have no title
		}
		g.chatSet = append(g.chatSet, g.w.newChat(title, created, modified, users))
	}
}

func (g *generator) conversation(created time.Time) {
	w := g.w
	c := w.newConversation(created)
	age := g.start.Sub(c.created)

	customer := pickFrom(g.rng, w.rev)
	owner := pickFrom(g.rng, w.dev)
	c.createdBy = customer
	c.members = []*user{customer}
	if g.chance(0.2) {
		c.members = append(c.members, pickFrom(g.rng, w.rev))
	}
	if g.chance(0.3) {
		c.members = append(c.members, owner)
	}
	switch r := g.rng.Float64(); {
	case r < 0.05: // unassigned
	case r < 0.12:
		c.owners = []*user{owner, pickFrom(g.rng, w.dev)}
	default:
		c.owners = []*user{owner}
	}
	c.title = g.title()
	if g.chance(0.6) {
		c.description = pickFrom(g.rng, customerOpeners[:])
	}
	c.sourceChannel = pickFrom(g.rng, []string{"email", "email", "portal", "plug", "slack", "api"})
	c.stage = g.stage(age)
	g.tags(c)
	if g.chance(0.3) {
		c.chats = []*chat{pickFrom(g.rng, g.chatSet)}
		if g.chance(0.1) {
			if other := pickFrom(g.rng, g.chatSet); other != c.chats[0] {
				c.chats = append(c.chats, other)
			}
		}
		c.sourceChannel = "slack"
	}

	// The conversation's activity happens within span after creation, and
	// never reaches Start.
	span := time.Duration(g.rng.ExpFloat64() * float64(36*time.Hour))
	span = max(time.Minute, min(span, age-2*time.Minute))
	at := func() time.Time { return c.created.Add(time.Duration(g.rng.Int64N(int64(span)))) }

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
		c.modified = later(c.modified, e.modified)
	}
	c.modified = c.prec.trunc(c.modified.Add(time.Duration(g.rng.Int64N(int64(time.Second)))))
	c.modifiedBy = customer
	if len(c.owners) > 0 && g.chance(0.7) {
		c.modifiedBy = c.owners[0]
	}

	switch r := g.rng.Float64(); {
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
	n := 0
	if g.avg > 0 {
		n = g.rng.IntN(2*g.avg + 1)
	}
	if c.num == 1 {
		n = max(n, 1) // the long body lives on conversation 1
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = at()
	}
	slices.SortFunc(times, time.Time.Compare)
	if n > 0 {
		times[0] = c.created // the customer's opening message
	}

	var firstReply time.Time
	for i, t := range times {
		var e *entry
		switch r := g.rng.Float64(); {
		case i == 0:
			e = g.w.newEntry(c, kindComment, t, customer)
			e.body, e.visibility = pickFrom(g.rng, customerOpeners[:]), "external"
			if !g.long {
				e.body, g.long = longBody(), true
			}
		case r < 0.5:
			e = g.w.newEntry(c, kindComment, t, g.agentFor(c))
			e.body, e.visibility = pickFrom(g.rng, agentReplies[:]), "external"
			if firstReply.IsZero() {
				firstReply = e.created
			}
		case r < 0.78:
			e = g.w.newEntry(c, kindComment, t, pickFrom(g.rng, c.members))
			e.body, e.visibility = pickFrom(g.rng, customerFollowUps[:]), "external"
			if g.chance(0.1) {
				e.visibility = "public"
			}
		case r < 0.96:
			e = g.w.newEntry(c, kindComment, t, g.agentFor(c))
			e.body, e.visibility = pickFrom(g.rng, internalNotes[:]), "internal"
		default:
			e = g.w.newEntry(c, kindComment, t, g.agentFor(c))
			e.body, e.visibility = pickFrom(g.rng, privateNotes[:]), "private"
		}
		if g.chance(0.06) {
			for range 1 + g.rng.IntN(2) {
				a := attachmentNames[g.rng.IntN(len(attachmentNames))]
				e.artifacts = append(e.artifacts, g.w.newArtifact(a.name, a.mime, 200+g.rng.IntN(5_000_000)))
			}
		}
		// Edits and deletions happen a little later, still before Start.
		switch r := g.rng.Float64(); {
		case i > 0 && r < 0.02:
			e.deleted, e.body = true, ""
			e.modified = g.laterBefore(e.created, e.prec)
		case r < 0.07:
			e.body += "\n\n(edited)"
			e.modified = g.laterBefore(e.created, e.prec)
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
	policy := pickFrom(g.rng, g.w.policies)
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
	if g.chance(0.4) {
		next := g.metric(t, g.w.metrics[1])
		next.inPolicy = !g.chance(0.1)
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
	target := done.Add(time.Minute + time.Duration(g.rng.Int64N(int64(nominal))))
	if g.chance(0.2) && elapsed > 2*time.Minute {
		target = created.Add(time.Minute + time.Duration(g.rng.Int64N(int64(elapsed-2*time.Minute))))
	}
	m.target = t.prec.trunc(target)
	m.warning = t.prec.trunc(created.Add(target.Sub(created) * 3 / 4))
	m.complete(done, created, t.prec)
}

// openMetric sets up a metric still running at Start: in the next days, about
// to breach, or already breached.
func (g *generator) openMetric(t *slaTracker, m *metric, paused bool) {
	created := t.conv.created
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(g.rng.Int64N(int64(hi-lo))) }
	var target, warning time.Time
	switch r := g.rng.Float64(); {
	case r < 0.25 && !paused: // breached
		target = later(created.Add(time.Minute), g.start.Add(-between(time.Minute, 72*time.Hour)))
		warning = created.Add(target.Sub(created) * 3 / 4)
	case r < 0.4 && !paused: // warning
		target = g.start.Add(between(time.Minute, time.Hour))
		warning = later(created, g.start.Add(-between(time.Minute, time.Hour)))
	default: // running, or paused
		target = g.start.Add(between(time.Hour, 72*time.Hour))
		warning = g.start.Add(target.Sub(g.start) / 2)
	}
	m.target, m.warning = t.prec.trunc(target), t.prec.trunc(warning)
	m.settle(g.start, paused)
}

func (g *generator) stage(age time.Duration) string {
	r := g.rng.Float64()
	if age > 30*24*time.Hour {
		switch {
		case r < 0.65:
			return "resolved"
		case r < 0.9:
			return "archived"
		case r < 0.95:
			return "suspended"
		}
		return "waiting_on_user"
	}
	switch {
	case r < 0.2:
		return "new"
	case r < 0.45:
		return "active"
	case r < 0.6:
		return "waiting_on_user"
	case r < 0.65:
		return "suspended"
	}
	return "resolved"
}

func (g *generator) title() string {
	if g.chance(0.05) {
		return pickFrom(g.rng, specialTitles[:])
	}
	t := pickFrom(g.rng, titleSubjects[:]) + " " + pickFrom(g.rng, titleProblems[:])
	if g.chance(0.05) {
		t = "Re: " + t
	}
	return t
}

func (g *generator) tags(c *conversation) {
	for range g.rng.IntN(4) {
		tg := pickFrom(g.rng, g.w.tags)
		if slices.ContainsFunc(c.tags, func(v tagValue) bool { return v.tag == tg }) {
			continue
		}
		tv := tagValue{tag: tg}
		if vals := tagValues(tg.name); vals != nil {
			tv.value = pickFrom(g.rng, vals)
		}
		c.tags = append(c.tags, tv)
	}
}

// agentFor is who answers on c: mostly its owner, sometimes a colleague.
func (g *generator) agentFor(c *conversation) *user {
	if len(c.owners) > 0 && g.chance(0.85) {
		return c.owners[0]
	}
	return pickFrom(g.rng, g.w.dev)
}

// laterBefore returns a time a little after t, but before Start.
func (g *generator) laterBefore(t time.Time, p precision) time.Time {
	room := g.start.Sub(t) - time.Second
	if room <= 0 {
		return t
	}
	d := time.Duration(g.rng.Int64N(int64(min(room, 6*time.Hour))))
	return p.trunc(t.Add(max(d, time.Millisecond)))
}

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func pickFrom[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func appendUnique[T comparable](s []T, v T) []T {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

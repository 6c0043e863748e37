package chatvolttest

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Workspace is one fake Chatvolt organization's data. It is safe for
// concurrent use: one RWMutex guards everything, the HTTP handlers read under
// it and the mutation methods write under it.
type Workspace struct {
	mu sync.RWMutex

	clock fakeapi.Clock // advanced on every mutation
	seq   int           // id sequence, see newID

	org         string
	agents      []string // AI agent ids
	members     []*member
	tags        []*tag
	scenarios   []*scenario
	credentials []string // channel credentials ids (WhatsApp, Telegram)
	inboxes     []string // mail inbox ids
	forms       []string

	convs    map[string]*conversation
	order    []*conversation // list order: createdAt desc, then id asc
	messages map[string]*message
}

// member is a user of the organization: an assignee, or the operator who
// answers in place of the AI.
type member struct{ id, name, email string }

type tag struct{ id, name string }

type scenario struct {
	id, name string
	steps    []step
}

type step struct{ id, name string }

// Nullable strings are stored as "" and served as null.
type conversation struct {
	id, title, channel, status, priority string
	aiEnabled                            bool
	frustration                          *float64
	metadata                             string // raw JSON

	channelExternalID, channelCredentialsID, mailInboxID, formID string
	agentID, userID, visitorID                                   string

	created, updated time.Time

	contacts  []contact
	variables []variable
	contexts  []convContext
	assignees []*member
	tags      []*tag
	crm       []crmLink
	messages  []*message // ascending by (created, id)

	extras bool // serve undocumented fields too
}

type contact struct {
	id                                      string
	firstName, lastName, email, phoneNumber string
}

type variable struct{ id, name, value string }

type convContext struct {
	id, content string
	created     time.Time
}

type crmLink struct {
	scenario         *scenario
	step             step
	available        bool
	created, updated time.Time
}

type message struct {
	id   string
	conv *conversation

	text, html, from                      string
	agentID, contactID, userID, visitorID string
	read                                  bool
	eval                                  string // "", "good" or "bad"
	created, updated                      time.Time

	extras bool
}

// NewWorkspace returns an organization with no conversations, only the pools
// (AI agents, members, tags, CRM scenarios) that conversations draw from. Its
// clock starts at start and advances by at least a second per mutation, so
// updatedAt values strictly increase.
func NewWorkspace(start time.Time) *Workspace {
	w := &Workspace{
		clock:    fakeapi.NewClock(start, time.Millisecond, 337),
		convs:    map[string]*conversation{},
		messages: map[string]*message{},
	}
	w.addPools(newVocab())
	return w
}

// Now is the workspace clock: the time of the latest mutation, or the start.
func (w *Workspace) Now() time.Time {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.clock.Now()
}

// Wait lets d pass on the workspace clock with nothing happening, so that
// the next mutation is dated after it.
func (w *Workspace) Wait(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clock.Skip(d)
}

// trunc brings t to what the wire carries: UTC, milliseconds. Stored times are
// truncated so that what a client decodes is exactly what Snapshot reports.
func trunc(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// isoFormat is JavaScript's Date.toISOString layout.
const isoFormat = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(isoFormat) }

func (w *Workspace) addPools(v *vocab) {
	now := w.clock.Now()
	w.org = w.newID(now)
	for range 3 {
		w.agents = append(w.agents, w.newID(now))
	}
	for i := range 8 {
		first, last := v.firstNames[i*7%len(v.firstNames)], v.lastNames[i*11%len(v.lastNames)]
		w.members = append(w.members, &member{
			id:    w.newID(now),
			name:  first + " " + last,
			email: fakeapi.EmailLocal(first, last) + "@support.example.com",
		})
	}
	w.members[len(w.members)-1].email = "" // a member without email: served as null
	for _, name := range v.tagNames {
		w.tags = append(w.tags, &tag{id: w.newID(now), name: name})
	}
	for _, sc := range v.scenarios {
		s := &scenario{id: w.newID(now), name: sc.name}
		for _, st := range sc.steps {
			s.steps = append(s.steps, step{id: w.newID(now), name: st})
		}
		w.scenarios = append(w.scenarios, s)
	}
	for range 2 {
		w.credentials = append(w.credentials, w.newID(now))
	}
	w.inboxes = append(w.inboxes, w.newID(now))
	w.forms = append(w.forms, w.newID(now))
}

// newConversation allocates a conversation created at created. It is not yet
// in the list order: callers insert it (one at a time) or sort the order
// (after bulk generation).
func (w *Workspace) newConversation(created time.Time) *conversation {
	created = trunc(created)
	c := &conversation{id: w.newID(created), created: created, updated: created, metadata: "{}"}
	c.extras = fakeapi.Mix(fakeapi.Hash(0, c.id))%9 == 0
	w.convs[c.id] = c
	return c
}

// newMessage appends a message to c. Callers add messages in time order or
// sort c.messages afterwards.
func (w *Workspace) newMessage(c *conversation, from string, at time.Time) *message {
	at = trunc(at)
	m := &message{id: w.newID(at), conv: c, from: from, created: at, updated: at}
	m.extras = fakeapi.Mix(fakeapi.Hash(0, m.id))%13 == 0
	c.messages = append(c.messages, m)
	w.messages[m.id] = m
	return m
}

// listBefore orders conversations as the list endpoint does: newest createdAt
// first, ties by id.
func listBefore(a, b *conversation) int {
	if d := b.created.Compare(a.created); d != 0 {
		return d
	}
	return strings.Compare(a.id, b.id)
}

func (w *Workspace) sortOrder() {
	w.order = w.order[:0]
	for _, c := range w.convs {
		w.order = append(w.order, c)
	}
	slices.SortFunc(w.order, listBefore)
}

func (w *Workspace) insertOrdered(c *conversation) {
	i, _ := slices.BinarySearchFunc(w.order, c, listBefore)
	w.order = slices.Insert(w.order, i, c)
}

// removeConversation deletes c and its messages. Like every mutation, it
// advances the clock.
func (w *Workspace) removeConversation(c *conversation) {
	w.clock.Tick()
	delete(w.convs, c.id)
	for _, m := range c.messages {
		delete(w.messages, m.id)
	}
	if i, ok := slices.BinarySearchFunc(w.order, c, listBefore); ok {
		w.order = slices.Delete(w.order, i, i+1)
	}
}

// listKey is a position in the list order.
type listKey struct {
	created time.Time
	id      string
}

// indexAfter is the position of the first conversation strictly after k in
// the list order.
func (w *Workspace) indexAfter(k listKey) int {
	return sort.Search(len(w.order), func(i int) bool {
		c := w.order[i]
		if d := k.created.Compare(c.created); d != 0 {
			return d > 0
		}
		return c.id > k.id
	})
}

// indexCreatedAtOrBefore is the position of the first conversation created at
// or before t.
func (w *Workspace) indexCreatedAtOrBefore(t time.Time) int {
	return sort.Search(len(w.order), func(i int) bool { return !w.order[i].created.After(t) })
}

// sortMessages restores the (created, id) order after bulk generation.
func (c *conversation) sortMessages() {
	slices.SortFunc(c.messages, func(a, b *message) int {
		if d := a.created.Compare(b.created); d != 0 {
			return d
		}
		return strings.Compare(a.id, b.id)
	})
}

// hasUnread reports whether a message of c is still unread.
func (c *conversation) hasUnread() bool {
	return slices.ContainsFunc(c.messages, func(m *message) bool { return !m.read })
}

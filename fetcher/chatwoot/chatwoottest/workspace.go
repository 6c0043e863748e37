package chatwoottest

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Workspace is one fake Chatwoot account. It is safe for concurrent use: one
// RWMutex guards everything, the HTTP handlers read under it and the mutation
// methods write under it.
type Workspace struct {
	mu   sync.RWMutex
	feed fakeapi.Feed[change] // what each mutation changed, for the servers' webhooks

	accountID  int
	enterprise bool

	clock fakeapi.Clock // the simulated clock; advanced on every mutation
	vocab *vocab

	inboxes  []*inbox // index = id-1
	agents   []*agent // index = id-1; agent 1 owns the API token
	teams    []*team  // index = id-1
	bot      *agentBot
	policies []*slaPolicy // index = id-1

	contacts  []*contact // ascending by id
	contactBy map[int]*contact

	convs    []*conversation // live conversations, ascending by display id
	convBy   map[int]*conversation
	messages map[int]*message // live messages by id

	lastConv, lastMessage, lastContact, lastAttachment, lastSLA, lastSLAEvent int
}

// NewWorkspace returns an account with no contacts and no conversations, only
// its inboxes (website, email, API, WhatsApp), agents, teams and bot. Its
// clock starts at start (truncated to microseconds; the zero time means
// 2025-01-01 UTC) and advances by a little over a second per mutation, so
// updated_at strictly increases. An accountID below 1 means 1.
func NewWorkspace(accountID int, start time.Time) *Workspace {
	if accountID < 1 {
		accountID = 1
	}
	if start.IsZero() {
		start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	w := &Workspace{
		accountID: accountID,
		clock:     fakeapi.NewClock(start, time.Microsecond, 104729),
		vocab:     newVocab(),
		contactBy: map[int]*contact{},
		convBy:    map[int]*conversation{},
		messages:  map[int]*message{},
	}
	w.addDirectory()
	return w
}

// Now is the workspace clock: the time of the latest mutation (or the start).
// updated_within counts back from it.
func (w *Workspace) Now() time.Time {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.clock.Now()
}

// AccountID is the account the workspace serves under
// /api/v1/accounts/{account_id}.
func (w *Workspace) AccountID() int { return w.accountID }

// PublicIdentifiers returns what the public client API needs: the API
// inbox's identifier, and the contact identifier (contact_inbox source_id) and
// id of one API-channel contact: the one with the most conversations, lowest
// id first. contact is "" and contactID 0 when the account has no API-channel
// contact yet (AddConversation creates them).
func (w *Workspace) PublicIdentifiers() (inboxIdentifier, contactIdentifier string, contactID int) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	api := w.inboxes[inboxAPI-1]
	counts := map[int]int{}
	for _, c := range w.convs {
		if c.inbox == api {
			counts[c.contact.id]++
		}
	}
	var best *contact
	for _, ct := range w.contacts {
		if ct.inbox == api && (best == nil || counts[ct.id] > counts[best.id]) {
			best = ct
		}
	}
	if best == nil {
		return api.identifier, "", 0
	}
	return api.identifier, best.sourceID, best.id
}

// Message types, as the API sends them (integers).
const (
	msgIncoming = 0
	msgOutgoing = 1
	msgActivity = 2
	msgTemplate = 3
)

// Sender types as Snapshot reports them (the sender object's "type").
const (
	senderContact  = "contact"
	senderUser     = "user"
	senderAgentBot = "agent_bot"
)

type conversation struct {
	id   int // the per-account display id
	uuid string

	inbox    *inbox
	contact  *contact
	status   string // open, resolved, pending, snoozed
	priority string // "" = null
	assignee *agent
	team     *team
	labels   []string
	muted    bool

	// created, lastActivity and the last-seen times are whole seconds (the
	// API sends integers); updated has microseconds (the API sends a float).
	created, updated, lastActivity time.Time
	agentSeen, contactSeen         time.Time
	snoozedUntil                   time.Time // zero = null

	additional, custom json.RawMessage // additional_attributes, custom_attributes

	sla    *appliedSLA
	extras bool // serve undocumented fields too

	messages []*message // ascending by id (and by created)
}

type message struct {
	id   int
	conv *conversation

	content     string
	contentNull bool // content is null (attachment-only messages)
	contentType string
	attrs       json.RawMessage // content_attributes
	messageType int
	private     bool
	deleted     bool
	status      string // sent, delivered, read, failed
	sourceID    string // "" = null

	senderType string // senderContact, senderUser, senderAgentBot, or "" (activity)
	senderID   int

	created  time.Time // whole seconds
	modified time.Time // the push_event_data updated_at; edits and deletes move it
	attach   []attachment
}

type attachment struct {
	id            int
	fileType, ext string
	name          string
	size          int
	width, height int // images only
}

type appliedSLA struct {
	id               int
	policy           *slaPolicy
	status           string // active, hit, missed, active_with_misses
	created, updated time.Time
	events           []slaEvent
}

type slaEvent struct {
	id        int
	eventType string // frt, nrt, rt
	created   time.Time
}

type slaPolicy struct {
	id                int
	name, description string
	frt, nrt, rt      float64 // thresholds in seconds; 0 = null
	businessHours     bool
}

// newConversation allocates the next display id and registers the
// conversation. Callers create conversations in time order, which keeps
// w.convs sorted by both id and creation time.
func (w *Workspace) newConversation(ct *contact, created time.Time) *conversation {
	w.lastConv++
	c := &conversation{
		id:      w.lastConv,
		uuid:    uuidFor(uint64(w.accountID)<<32 | uint64(w.lastConv)),
		inbox:   ct.inbox,
		contact: ct,
		status:  "open",
		created: created.UTC().Truncate(time.Second),
		custom:  rawEmptyObject,
	}
	c.additional = additionalFor(c)
	c.lastActivity = c.created
	c.updated = created.UTC().Truncate(time.Microsecond)
	c.extras = fakeapi.Mix(uint64(c.id))%9 == 4
	w.convs = append(w.convs, c)
	w.convBy[c.id] = c
	return c
}

// removeConversation deletes c and its messages. Like every mutation, it
// advances the clock.
func (w *Workspace) removeConversation(c *conversation) {
	w.clock.Tick()
	delete(w.convBy, c.id)
	if i, ok := slices.BinarySearchFunc(w.convs, c.id, func(x *conversation, id int) int { return x.id - id }); ok {
		w.convs = slices.Delete(w.convs, i, i+1)
	}
	for _, m := range c.messages {
		delete(w.messages, m.id)
	}
}

// newMessage appends a message to c with the next id. Generate assigns ids
// itself (after sorting by time) and so bypasses this.
func (w *Workspace) newMessage(c *conversation, at time.Time, messageType int) *message {
	w.lastMessage++
	m := &message{
		id:          w.lastMessage,
		conv:        c,
		contentType: "text",
		attrs:       rawEmptyObject,
		messageType: messageType,
		status:      "sent",
		created:     at.UTC().Truncate(time.Second),
		modified:    at.UTC().Truncate(time.Millisecond),
	}
	c.messages = append(c.messages, m)
	w.messages[m.id] = m
	return m
}

func (w *Workspace) newAttachment(a attachmentKind, size int) attachment {
	w.lastAttachment++
	at := attachment{id: w.lastAttachment, fileType: a.fileType, ext: a.ext, name: a.name, size: size}
	if a.fileType == "image" {
		at.width, at.height = 1280, 720+(w.lastAttachment%5)*40
	}
	return at
}

// lastMessage is the message the conversation embeds: its newest, of any kind.
func (c *conversation) lastMessage() *message {
	if len(c.messages) == 0 {
		return nil
	}
	return c.messages[len(c.messages)-1]
}

// lastNonActivity is the newest message that is not an activity.
func (c *conversation) lastNonActivity() *message {
	for i := len(c.messages) - 1; i >= 0; i-- {
		if c.messages[i].messageType != msgActivity {
			return c.messages[i]
		}
	}
	return nil
}

// firstReply is when an agent first answered publicly (zero if never), as
// Chatwoot's first_reply_created_at.
func (c *conversation) firstReply() time.Time {
	for _, m := range c.messages {
		if m.messageType == msgOutgoing && !m.private && m.senderType == senderUser {
			return m.created
		}
	}
	return time.Time{}
}

// waitingSince is when the contact started waiting for an answer: the first
// incoming message after the last public agent reply, while the conversation
// is open. Zero when nobody waits.
func (c *conversation) waitingSince() time.Time {
	if c.status != "open" {
		return time.Time{}
	}
	var since time.Time
	for _, m := range c.messages {
		switch {
		case m.messageType == msgIncoming && since.IsZero():
			since = m.created
		case m.messageType == msgOutgoing && !m.private:
			since = time.Time{}
		}
	}
	return since
}

// unread counts incoming messages the agents have not seen.
func (c *conversation) unread() int {
	n := 0
	for i := len(c.messages) - 1; i >= 0 && c.messages[i].created.After(c.agentSeen); i-- {
		if c.messages[i].messageType == msgIncoming {
			n++
		}
	}
	return n
}

// touch records a change to c at now: updated_at keeps microseconds, as the
// float on the wire does.
func (c *conversation) touch(now time.Time) {
	c.updated = now.UTC().Truncate(time.Microsecond)
}

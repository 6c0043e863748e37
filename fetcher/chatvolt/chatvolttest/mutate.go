package chatvolttest

import (
	"fmt"
	"slices"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Conversation statuses and message authors, as the API spells them.
const (
	statusResolved       = "RESOLVED"
	statusUnresolved     = "UNRESOLVED"
	statusHumanRequested = "HUMAN_REQUESTED"

	fromAgent = "agent"
	fromHuman = "human"
)

// The mutation methods change the workspace the way visitors, the AI agent
// and operators do. Each one advances the clock. They are no-ops on unknown
// or deleted ids, so a simulation racing a deletion does not crash; invalid
// enum arguments are programming errors and panic.

// AddConversation creates an open conversation on the website channel, from a
// new visitor, answered by the organization's first AI agent, with no
// messages yet. An empty title is served as null. It returns the new id.
func (w *Workspace) AddConversation(title string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.newConversation(w.clock.Tick())
	c.title = title
	c.channel = "website"
	c.status = statusUnresolved
	c.aiEnabled = true
	c.agentID = w.agents[0]
	c.visitorID = w.newID(c.created)
	w.insertOrdered(c)
	return c.id
}

// AddMessage adds a message to a conversation and returns its id (or "" when
// the conversation does not exist). from is "human" (the customer: visitor,
// contact or dashboard user, per the channel; unread) or "agent" (the AI
// agent when the conversation has AI enabled, else an operator; read). The
// conversation's updatedAt moves to the message's createdAt.
func (w *Workspace) AddMessage(conversationID, text, from string) string {
	if from != fromAgent && from != fromHuman {
		panic(fmt.Sprintf("chatvolttest: AddMessage: from must be %q or %q, got %q", fromAgent, fromHuman, from))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.convs[conversationID]
	if c == nil {
		return ""
	}
	now := w.clock.Tick()
	m := w.newMessage(c, from, now)
	m.text = text
	if from == fromHuman {
		w.humanAuthor(c, m)
		if c.channel == "mail" {
			m.html = htmlOf(text)
		}
	} else {
		m.read = true
		if c.aiEnabled && c.agentID != "" {
			m.agentID = c.agentID
		} else {
			m.userID = w.operator(c).id
		}
		m.html = htmlOf(text)
	}
	c.updated = now
	return m.id
}

// EditMessage replaces a message's text. Only the message's updatedAt moves:
// like any update of a message row, it does not touch the conversation.
func (w *Workspace) EditMessage(messageID, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.messages[messageID]
	if m == nil {
		return
	}
	m.text = text
	if m.html != "" {
		m.html = htmlOf(text)
	}
	m.updated = w.clock.Tick()
}

// DeleteMessage removes a message. Like an edit, it leaves the
// conversation's updatedAt alone: a reader sees it only by reading the
// conversation's messages again.
func (w *Workspace) DeleteMessage(messageID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.messages[messageID]
	if m == nil {
		return
	}
	w.clock.Tick()
	delete(w.messages, messageID)
	m.conv.messages = slices.DeleteFunc(m.conv.messages, func(x *message) bool { return x == m })
}

// MarkRead marks every unread message of a conversation read, moving those
// messages' updatedAt but not the conversation's.
func (w *Workspace) MarkRead(conversationID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.convs[conversationID]
	if c == nil || !c.hasUnread() {
		return
	}
	now := w.clock.Tick()
	for _, m := range c.messages {
		if !m.read {
			m.read, m.updated = true, now
		}
	}
}

// SetStatus sets a conversation's status (RESOLVED, UNRESOLVED or
// HUMAN_REQUESTED) and bumps its updatedAt, even when the status is unchanged,
// as any update of the row does.
func (w *Workspace) SetStatus(conversationID, status string) {
	mustBeOneOf("SetStatus", "status", status, statusResolved, statusUnresolved, statusHumanRequested)
	w.updateConversation(conversationID, func(c *conversation) { c.status = status })
}

// SetPriority sets a conversation's priority (LOW, MEDIUM, HIGH, or "" for
// null) and bumps its updatedAt.
func (w *Workspace) SetPriority(conversationID, priority string) {
	mustBeOneOf("SetPriority", "priority", priority, "", "LOW", "MEDIUM", "HIGH")
	w.updateConversation(conversationID, func(c *conversation) { c.priority = priority })
}

// updateConversation applies change to a conversation and bumps its
// updatedAt, as any update of the row does.
func (w *Workspace) updateConversation(id string, change func(*conversation)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.convs[id]; c != nil {
		change(c)
		c.updated = w.clock.Tick()
	}
}

// mustBeOneOf panics when a mutation method gets an enum value the API does
// not have: that is a bug in the caller, not a state to simulate.
func mustBeOneOf(method, what, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		panic(fmt.Sprintf("chatvolttest: %s: unknown %s %q", method, what, v))
	}
}

// DeleteConversation removes a conversation and its messages: lists omit it,
// and getting it or its messages is 404. Lists return no tombstones, so
// clients must sweep ids to notice.
func (w *Workspace) DeleteConversation(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.convs[id]; c != nil {
		w.removeConversation(c)
	}
}

// humanAuthor sets who a customer message is from, per the channel.
func (w *Workspace) humanAuthor(c *conversation, m *message) {
	switch {
	case len(c.contacts) > 0:
		m.contactID = c.contacts[0].id
	case c.userID != "":
		m.userID = c.userID
	default:
		m.visitorID = c.visitorID
	}
}

// operator is the member who answers c when the AI does not: its first
// assignee, else a member chosen by its id.
func (w *Workspace) operator(c *conversation) *member {
	if len(c.assignees) > 0 {
		return c.assignees[0]
	}
	return w.members[fakeapi.Hash(0, c.id)%uint64(len(w.members))]
}

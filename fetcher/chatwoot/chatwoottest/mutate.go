package chatwoottest

import (
	"slices"
	"time"
)

// The mutation methods change the workspace the way contacts and agents do.
// Each one advances the workspace clock and, like Chatwoot (whose messages
// belong_to their conversation with touch: true), bumps the updated_at of the
// conversation it changed. They are no-ops on unknown or deleted ids, so a
// simulation racing DeleteConversation does not crash; tests check effects
// through Snapshot.

// AddConversation opens a conversation from the contact named contactName,
// with firstMessage as its first (incoming) message, and returns its display
// id. The newest contact of that name is reused; otherwise a new contact is
// created in the API inbox (so PublicIdentifiers can expose it). New
// conversations are open, unassigned and without priority, labels or SLA.
func (w *Workspace) AddConversation(contactName, firstMessage string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock.Tick()
	ct := w.contactByName(contactName)
	if ct == nil {
		ct = w.newContact(contactName, w.inboxes[inboxAPI-1], now, false)
	}
	c := w.newConversation(ct, now)
	m := w.newMessage(c, now, msgIncoming)
	m.content, m.senderType, m.senderID = firstMessage, senderContact, ct.id
	ct.lastActivity = m.created
	c.contactSeen = m.created
	c.touch(now)
	return c.id
}

// AddMessage adds a message and returns its id (0 if the conversation does
// not exist or messageType is not 0–3). messageType is 0 incoming (from the
// contact), 1 outgoing (from the assignee, else agent 1), 2 activity (no
// sender) or 3 template (from the bot); private marks an internal note. It
// bumps updated_at and last_activity_at. As in Chatwoot, an incoming message
// reopens a resolved or snoozed conversation (without an activity message).
func (w *Workspace) AddMessage(conversationID int, content string, messageType int, private bool) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.convBy[conversationID]
	if c == nil || messageType < msgIncoming || messageType > msgTemplate {
		return 0
	}
	now := w.clock.Tick()
	m := w.newMessage(c, now, messageType)
	m.content, m.private = content, private
	switch messageType {
	case msgIncoming:
		m.senderType, m.senderID = senderContact, c.contact.id
		c.contact.lastActivity = m.created
		c.contactSeen = m.created
		if c.status == "resolved" || c.status == "snoozed" {
			c.status, c.snoozedUntil = "open", time.Time{}
		}
	case msgOutgoing:
		m.senderType, m.senderID = senderUser, w.actor(c).id
		c.agentSeen = m.created
	case msgTemplate:
		m.senderType, m.senderID = senderAgentBot, w.bot.id
	}
	c.lastActivity = m.created
	c.touch(now)
	return m.id
}

// EditMessage replaces a message's content (not of a deleted message).
// Chatwoot messages have no updated_at of their own; the conversation's
// updated_at is bumped. That is a simplification: edits made through
// Message#update do touch the conversation in Chatwoot, but channel
// callbacks that write with update_columns (delivery status, some external
// edits) do not, and then only re-reading the messages shows the change.
func (w *Workspace) EditMessage(messageID int, content string) {
	w.changeMessage(messageID, false, func(m *message) { m.content, m.contentNull = content, false })
}

// DeleteMessage deletes a message the way Chatwoot does: the row stays, its
// content becomes "This message was deleted", content_type text,
// content_attributes {"deleted": true}, and its attachments go. It bumps the
// conversation's updated_at, not its last_activity_at.
func (w *Workspace) DeleteMessage(messageID int) { w.changeMessage(messageID, false, markDeleted) }

// RemoveMessage destroys a message row (Chatwoot's own delete keeps it; a
// console destroy or a data clean-up does not): lists no longer show it.
// Like every change of a message, it bumps the conversation's updated_at.
func (w *Workspace) RemoveMessage(messageID int) {
	w.changeMessage(messageID, true, func(m *message) {
		delete(w.messages, m.id)
		m.conv.messages = slices.DeleteFunc(m.conv.messages, func(x *message) bool { return x == m })
	})
}

// changeMessage applies change to a message (to a deleted one only when
// orDeleted) at a new tick, and bumps the conversation's updated_at, as every
// change of a message row does in Chatwoot (belongs_to with touch: true).
func (w *Workspace) changeMessage(messageID int, orDeleted bool, change func(*message)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.messages[messageID]
	if m == nil || m.deleted && !orDeleted {
		return
	}
	now := w.clock.Tick()
	change(m)
	m.modified = now.UTC().Truncate(time.Millisecond)
	m.conv.touch(now)
}

func markDeleted(m *message) {
	m.deleted, m.content, m.contentNull = true, deletedContent, false
	m.contentType, m.attrs, m.attach = "text", rawDeleted, nil
}

// SetStatus moves a conversation to open, resolved, pending or snoozed
// (other values are ignored) and writes the activity message Chatwoot writes
// ("Conversation was marked resolved by …"). Snoozing sets snoozed_until a day
// ahead; resolving settles an active SLA (hit, or missed if it had misses).
func (w *Workspace) SetStatus(conversationID int, status string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.convBy[conversationID]
	if c == nil || c.status == status {
		return
	}
	content, ok := statusActivity(status, w.actor(c).name)
	if !ok {
		return
	}
	now := w.clock.Tick()
	m := w.newMessage(c, now, msgActivity)
	m.content = content
	c.status, c.snoozedUntil = status, time.Time{}
	if status == "snoozed" {
		c.snoozedUntil = now.Add(24 * time.Hour).UTC().Truncate(time.Second)
	}
	if s := c.sla; s != nil && status == "resolved" {
		switch s.status {
		case "active":
			s.status = "hit"
		case "active_with_misses":
			s.status = "missed"
		}
		s.updated = m.created
	}
	c.lastActivity = m.created
	c.touch(now)
}

// DeleteConversation removes a conversation: lists omit it and gets return
// 404. Lists never return tombstones, so clients must sweep ids to notice.
func (w *Workspace) DeleteConversation(conversationID int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.convBy[conversationID]; c != nil {
		w.removeConversation(c)
	}
}

// actor is who acts on c on the help desk's side: its assignee, else the
// account's first administrator (the API token's owner).
func (w *Workspace) actor(c *conversation) *agent {
	if c.assignee != nil {
		return c.assignee
	}
	return w.agents[0]
}

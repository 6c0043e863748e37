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
// through Snapshot. Each one also says what it changed (the webhook events
// Chatwoot would send), through mutate.

// mutate runs f under the write lock, then publishes the changes f reports
// once the lock is released, so that servers can render their webhooks
// under the read lock. Publishing happens before the mutation returns: a
// test that waits for webhooks after a mutation waits for its events too.
func (w *Workspace) mutate(f func() []change) { w.feed.Mutate(&w.mu, f) }

// AddConversation opens a conversation from the contact named contactName,
// with firstMessage as its first (incoming) message, and returns its display
// id. The newest contact of that name is reused; otherwise a new contact is
// created in the API inbox (so PublicIdentifiers can expose it). New
// conversations are open, unassigned and without priority, labels or SLA.
func (w *Workspace) AddConversation(contactName, firstMessage string) int {
	var id int
	w.mutate(func() []change {
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
		id = c.id
		return []change{{event: eventConversationCreated, conv: c.id}, {event: eventMessageCreated, conv: c.id, msg: m.id}}
	})
	return id
}

// AddMessage adds a message and returns its id (0 if the conversation does
// not exist or messageType is not 0–3). messageType is 0 incoming (from the
// contact), 1 outgoing (from the assignee, else agent 1), 2 activity (no
// sender) or 3 template (from the bot); private marks an internal note. It
// bumps updated_at and last_activity_at. As in Chatwoot, an incoming message
// reopens a resolved or snoozed conversation (without an activity message),
// which is a status change too.
func (w *Workspace) AddMessage(conversationID int, content string, messageType int, private bool) int {
	var id int
	w.mutate(func() []change {
		c := w.convBy[conversationID]
		if c == nil || messageType < msgIncoming || messageType > msgTemplate {
			return nil
		}
		now := w.clock.Tick()
		m := w.newMessage(c, now, messageType)
		m.content, m.private = content, private
		var changes []change
		switch messageType {
		case msgIncoming:
			m.senderType, m.senderID = senderContact, c.contact.id
			c.contact.lastActivity = m.created
			c.contactSeen = m.created
			if c.status == "resolved" || c.status == "snoozed" {
				changes = w.setStatus(c, "open", now)
			}
		case msgOutgoing:
			m.senderType, m.senderID = senderUser, w.actor(c).id
			c.agentSeen = m.created
		case msgTemplate:
			m.senderType, m.senderID = senderAgentBot, w.bot.id
		}
		c.lastActivity = m.created
		c.touch(now)
		id = m.id
		return append(changes, messageChange(eventMessageCreated, m)...)
	})
	return id
}

// EditMessage replaces a message's content (not of a deleted message).
// Chatwoot messages have no updated_at of their own; the conversation's
// updated_at is bumped. That is a simplification: edits made through
// Message#update do touch the conversation in Chatwoot, but channel
// callbacks that write with update_columns (delivery status, some external
// edits) do not, and then only re-reading the messages shows the change.
func (w *Workspace) EditMessage(messageID int, content string) {
	w.changeMessage(messageID, false, eventMessageUpdated, func(m *message) { m.content, m.contentNull = content, false })
}

// SetMessageCreatedAt moves a message's creation time, as Rails leaves two
// messages created at once with their times in one order and their ids in
// the other (created_at is set before the INSERT takes an id). It changes
// nothing else and sends no event.
func (w *Workspace) SetMessageCreatedAt(messageID int, at time.Time) {
	w.mutate(func() []change {
		if m := w.messages[messageID]; m != nil {
			m.created = at.UTC().Truncate(time.Second)
		}
		return nil
	})
}

// DeleteMessage deletes a message the way Chatwoot does: the row stays, its
// content becomes "This message was deleted", content_type text,
// content_attributes {"deleted": true}, and its attachments go. It bumps the
// conversation's updated_at, not its last_activity_at.
func (w *Workspace) DeleteMessage(messageID int) {
	w.changeMessage(messageID, false, eventMessageUpdated, markDeleted)
}

// RemoveMessage destroys a message row (Chatwoot's own delete keeps it; a
// console destroy or a data clean-up does not): lists no longer show it.
// Like every change of a message, it bumps the conversation's updated_at.
// Chatwoot sends no webhook for it.
func (w *Workspace) RemoveMessage(messageID int) {
	w.changeMessage(messageID, true, "", func(m *message) {
		delete(w.messages, m.id)
		m.conv.messages = slices.DeleteFunc(m.conv.messages, func(x *message) bool { return x == m })
	})
}

// changeMessage applies change to a message (to a deleted one only when
// orDeleted) at a new tick, and bumps the conversation's updated_at, as every
// change of a message row does in Chatwoot (belongs_to with touch: true).
// It reports the change as event (message_updated), or as nothing when
// event is "" (Chatwoot has no event for a destroyed message).
func (w *Workspace) changeMessage(messageID int, orDeleted bool, event string, apply func(*message)) {
	w.mutate(func() []change {
		m := w.messages[messageID]
		if m == nil || m.deleted && !orDeleted {
			return nil
		}
		now := w.clock.Tick()
		apply(m)
		m.modified = now.UTC().Truncate(time.Millisecond)
		m.conv.touch(now)
		if event == "" {
			return nil
		}
		return messageChange(event, m)
	})
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
	w.mutate(func() []change {
		c := w.convBy[conversationID]
		if c == nil || c.status == status {
			return nil
		}
		content, ok := statusActivity(status, w.actor(c).name)
		if !ok {
			return nil
		}
		now := w.clock.Tick()
		m := w.newMessage(c, now, msgActivity)
		m.content = content
		changes := w.setStatus(c, status, now)
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
		return changes
	})
}

// setStatus moves c to status at now (snoozing for a day) and returns the
// events Chatwoot sends for it: conversation_status_changed, then
// conversation_updated, both with the changed attributes. Called with w.mu
// held.
func (w *Workspace) setStatus(c *conversation, status string, now time.Time) []change {
	attrs := []attrChange{{"status", c.status, status}}
	before, beforeSnooze := c.updated, c.snoozedUntil
	c.status, c.snoozedUntil = status, time.Time{}
	if status == "snoozed" {
		c.snoozedUntil = now.Add(24 * time.Hour).UTC().Truncate(time.Second)
	}
	if !c.snoozedUntil.Equal(beforeSnooze) {
		attrs = append(attrs, attrChange{"snoozed_until", isoPtr(beforeSnooze), isoPtr(c.snoozedUntil)})
	}
	c.touch(now)
	attrs = append(attrs, attrChange{"updated_at", iso(before), iso(c.updated)})
	return []change{
		{event: eventConversationStatusChanged, conv: c.id, changed: attrs},
		{event: eventConversationUpdated, conv: c.id, changed: attrs},
	}
}

// DeleteConversation removes a conversation: lists omit it and gets return
// 404. Lists never return tombstones, so clients must sweep ids to notice.
// Chatwoot sends no webhook for it.
func (w *Workspace) DeleteConversation(conversationID int) {
	w.mutate(func() []change {
		if c := w.convBy[conversationID]; c != nil {
			w.removeConversation(c)
		}
		return nil
	})
}

// actor is who acts on c on the help desk's side: its assignee, else the
// account's first administrator (the API token's owner).
func (w *Workspace) actor(c *conversation) *agent {
	if c.assignee != nil {
		return c.assignee
	}
	return w.agents[0]
}

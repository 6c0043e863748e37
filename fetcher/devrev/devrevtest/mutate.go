package devrevtest

import (
	"slices"
	"time"
)

// The mutation methods change the workspace the way agents and customers do.
// Each one advances the clock and bumps modified_date (and modified_by) of
// what it changed. They are no-ops on unknown or deleted IDs, so a simulation
// racing a conversations.delete does not crash; tests check effects through
// Snapshot. Each one also says what it changed (the webhook events DevRev
// would send), through mutate.

// mutate runs f under the write lock, then publishes the changes f reports
// once the lock is released, so that servers can render their webhooks
// under the read lock. Publishing happens before the mutation returns: a
// test that waits for webhooks after a mutation waits for its events too.
func (w *Workspace) mutate(f func() []change) { w.feed.Mutate(&w.mu, f) }

// convSpec is a new conversation, from AddConversation or conversations.create.
type convSpec struct {
	title, description, stage, sourceChannel string
	createdBy                                *user
	members, owners                          []*user
	tags                                     []tagValue
	messages                                 []string
}

// create adds a conversation with its initial messages. Called with w.mu held.
func (w *Workspace) create(spec convSpec) *conversation {
	now := w.clock.Tick()
	c := w.newConversation(now)
	c.title, c.description, c.stage, c.sourceChannel = spec.title, spec.description, spec.stage, spec.sourceChannel
	c.createdBy, c.modifiedBy = spec.createdBy, spec.createdBy
	c.members, c.owners, c.tags = spec.members, spec.owners, spec.tags
	author := spec.createdBy
	if len(c.members) > 0 {
		author = c.members[0] // messages come from the customer
	}
	for _, body := range spec.messages {
		e := w.newEntry(c, kindComment, now, author)
		e.body, e.visibility = body, "external"
	}
	return c
}

// AddConversation creates a conversation in stage "new" from a customer, with
// one customer comment, and returns its DON.
func (w *Workspace) AddConversation(title string) string {
	var id string
	w.mutate(func() []change {
		next := w.lastConv + 1
		customer := w.customer(next)
		c := w.create(convSpec{
			title:         title,
			stage:         "new",
			sourceChannel: "email",
			createdBy:     customer,
			members:       []*user{customer},
			owners:        []*user{w.agent(next)},
			messages:      []string{w.vocab.Openers[next%len(w.vocab.Openers)]},
		})
		id = conversationID(c.num)
		return []change{{eventConversationCreated, id}}
	})
	return id
}

// EditConversation changes a conversation's title.
func (w *Workspace) EditConversation(id, title string) {
	w.mutate(func() []change {
		c := w.conversationByRef(id)
		if c == nil {
			return nil
		}
		c.title = title
		w.touch(c, w.clock.Tick(), w.actor(c))
		return []change{{eventConversationUpdated, conversationID(c.num)}}
	})
}

// SetStage moves a conversation to stage (new, active, waiting_on_user,
// suspended, resolved, archived) and records a timeline_change_event.
// Resolving or archiving completes its open SLA metrics, which updates the
// SLA tracker too.
func (w *Workspace) SetStage(id, stage string) {
	w.mutate(func() []change {
		c := w.conversationByRef(id)
		if c == nil || c.stage == stage {
			return nil
		}
		now := w.clock.Tick()
		actor := w.actor(c)
		e := w.newEntry(c, kindChange, now, actor)
		e.from, e.to = c.stage, stage
		c.stage = stage
		w.touch(c, now, actor)
		changes := []change{{eventConversationUpdated, conversationID(c.num)}}
		if c.sla != nil && (stage == "resolved" || stage == "archived") {
			c.sla.complete(now)
			changes = append(changes, change{eventSLATrackerUpdated, trackerID(c.sla.num)})
		}
		return changes
	})
}

// AddComment adds a comment and returns its DON. Visibility is external,
// internal, private or public ("" means external); external and public
// comments come from the customer, the others from the owner.
func (w *Workspace) AddComment(conversationID, body, visibility string) string {
	var id string
	w.mutate(func() []change {
		c := w.conversationByRef(conversationID)
		if c == nil {
			return nil
		}
		if visibility == "" {
			visibility = "external"
		}
		author := w.actor(c)
		if (visibility == "external" || visibility == "public") && len(c.members) > 0 {
			author = c.members[0]
		}
		now := w.clock.Tick()
		e := w.newEntry(c, kindComment, now, author)
		e.body, e.visibility = body, visibility
		id = entryID(c.num, kindComment, e.num)
		return append([]change{{eventTimelineEntryCreated, id}}, w.commentChanged(c, now, author)...)
	})
	return id
}

// AddReply answers a comment of a conversation's own timeline in its thread
// and returns the reply's DON, or "" when there is no such comment. The reply
// comes from the conversation's owner, internal.
func (w *Workspace) AddReply(commentID, body string) string {
	var id string
	w.mutate(func() []change {
		c, parent := w.entryByRef(commentID)
		if parent == nil || !c.hasComment(parent.num) {
			return nil
		}
		now := w.clock.Tick()
		author := w.actor(c)
		e := w.newEntry(c, kindComment, now, author)
		e.body, e.visibility, e.replyTo = body, "internal", parent.num
		id = entryID(c.num, kindComment, e.num)
		return append([]change{{eventTimelineEntryCreated, id}}, w.commentChanged(c, now, author)...)
	})
	return id
}

// EditComment replaces a comment's body.
func (w *Workspace) EditComment(entryID, body string) { w.setCommentBody(entryID, body, false) }

// DeleteComment deletes a comment the way DevRev does: the entry stays in the
// timeline, without its body.
func (w *Workspace) DeleteComment(entryID string) { w.setCommentBody(entryID, "", true) }

// setCommentBody gives a comment a new body, or deletes it. Editing a deleted
// comment brings it back; deleting it again changes nothing.
func (w *Workspace) setCommentBody(ref, body string, deleted bool) {
	w.mutate(func() []change {
		c, e := w.entryByRef(ref)
		if e == nil || e.kind != kindComment || deleted && e.deleted {
			return nil
		}
		now := w.clock.Tick()
		e.body, e.deleted = body, deleted
		e.modified = e.prec.trunc(now)
		return append([]change{{eventTimelineEntryUpdated, entryID(c.num, e.kind, e.num)}}, w.commentChanged(c, now, e.author)...)
	})
}

// RemoveComment takes a comment out of its timeline altogether, as no
// documented DevRev call does but a reader must still cope with: the
// timeline no longer lists it.
func (w *Workspace) RemoveComment(entryID string) {
	w.mutate(func() []change { return w.removeComment(entryID) })
}

// removeComment takes a comment out of its timeline. Called with w.mu held.
func (w *Workspace) removeComment(ref string) []change {
	c, e := w.entryByRef(ref)
	if e == nil || e.kind != kindComment {
		return nil
	}
	now := w.clock.Tick()
	// Its thread's replies go with it.
	c.entries = slices.DeleteFunc(c.entries, func(x *entry) bool { return x == e || x.replyTo == e.num })
	return append([]change{{eventTimelineEntryDeleted, entryID(c.num, e.kind, e.num)}}, w.commentChanged(c, now, w.actor(c))...)
}

// DeleteConversation removes a conversation: lists omit it and gets return 404.
// Lists never return tombstones, so clients must sweep IDs to notice.
func (w *Workspace) DeleteConversation(id string) {
	w.mutate(func() []change { return w.deleteConversation(id) })
}

// deleteConversation removes a conversation if it exists. Called with w.mu
// held.
func (w *Workspace) deleteConversation(id string) []change {
	c := w.conversationByRef(id)
	if c == nil {
		return nil
	}
	w.removeConversation(c)
	return []change{{eventConversationDeleted, conversationID(c.num)}}
}

func (w *Workspace) touch(c *conversation, now time.Time, by *user) {
	c.modified = c.prec.trunc(now)
	c.modifiedBy = by
}

// commentChanged touches the conversation of a comment that changed, when
// comments bump their conversation (SetCommentsBumpConversation), which is
// then a conversation_updated too.
func (w *Workspace) commentChanged(c *conversation, now time.Time, by *user) []change {
	if !w.commentsBump {
		return nil
	}
	w.touch(c, now, by)
	return []change{{eventConversationUpdated, conversationID(c.num)}}
}

// actor is who acts on c on the help desk's side: its owner, else the bot.
func (w *Workspace) actor(c *conversation) *user {
	if len(c.owners) > 0 {
		return c.owners[0]
	}
	return w.sys[0]
}

package devrevtest

import (
	"slices"
	"time"
)

// The mutation methods change the workspace the way agents and customers do.
// Each one advances the clock and bumps modified_date (and modified_by) of
// what it changed. They are no-ops on unknown or deleted IDs, so a simulation
// racing a conversations.delete does not crash; tests check effects through
// Snapshot.

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
	w.mu.Lock()
	defer w.mu.Unlock()
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
	return conversationID(c.num)
}

// EditConversation changes a conversation's title.
func (w *Workspace) EditConversation(id, title string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conversationByRef(id)
	if c == nil {
		return
	}
	c.title = title
	w.touch(c, w.clock.Tick(), w.actor(c))
}

// SetStage moves a conversation to stage (new, active, waiting_on_user,
// suspended, resolved, archived) and records a timeline_change_event.
// Resolving or archiving completes its open SLA metrics.
func (w *Workspace) SetStage(id, stage string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conversationByRef(id)
	if c == nil || c.stage == stage {
		return
	}
	now := w.clock.Tick()
	actor := w.actor(c)
	e := w.newEntry(c, kindChange, now, actor)
	e.from, e.to = c.stage, stage
	c.stage = stage
	if c.sla != nil && (stage == "resolved" || stage == "archived") {
		c.sla.complete(now)
	}
	w.touch(c, now, actor)
}

// AddComment adds a comment and returns its DON. Visibility is external,
// internal, private or public ("" means external); external and public
// comments come from the customer, the others from the owner.
func (w *Workspace) AddComment(conversationID, body, visibility string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conversationByRef(conversationID)
	if c == nil {
		return ""
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
	w.commentChanged(c, now, author)
	return entryID(c.num, kindComment, e.num)
}

// EditComment replaces a comment's body.
func (w *Workspace) EditComment(entryID, body string) { w.setCommentBody(entryID, body, false) }

// DeleteComment deletes a comment the way DevRev does: the entry stays in the
// timeline, without its body.
func (w *Workspace) DeleteComment(entryID string) { w.setCommentBody(entryID, "", true) }

// setCommentBody gives a comment a new body, or deletes it. Editing a deleted
// comment brings it back; deleting it again changes nothing.
func (w *Workspace) setCommentBody(entryID, body string, deleted bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, e := w.entryByRef(entryID)
	if e == nil || e.kind != kindComment || deleted && e.deleted {
		return
	}
	now := w.clock.Tick()
	e.body, e.deleted = body, deleted
	e.modified = e.prec.trunc(now)
	w.commentChanged(c, now, e.author)
}

// RemoveComment takes a comment out of its timeline altogether, as no
// documented DevRev call does but a reader must still cope with: the
// timeline no longer lists it.
func (w *Workspace) RemoveComment(entryID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, e := w.entryByRef(entryID)
	if e == nil || e.kind != kindComment {
		return
	}
	now := w.clock.Tick()
	c.entries = slices.DeleteFunc(c.entries, func(x *entry) bool { return x == e })
	w.commentChanged(c, now, w.actor(c))
}

// DeleteConversation removes a conversation: lists omit it and gets return 404.
// Lists never return tombstones, so clients must sweep IDs to notice.
func (w *Workspace) DeleteConversation(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.conversationByRef(id); c != nil {
		w.removeConversation(c)
	}
}

func (w *Workspace) touch(c *conversation, now time.Time, by *user) {
	c.modified = c.prec.trunc(now)
	c.modifiedBy = by
}

// commentChanged touches the conversation of a comment that changed, when
// comments bump their conversation (SetCommentsBumpConversation).
func (w *Workspace) commentChanged(c *conversation, now time.Time, by *user) {
	if w.commentsBump {
		w.touch(c, now, by)
	}
}

// actor is who acts on c on the help desk's side: its owner, else the bot.
func (w *Workspace) actor(c *conversation) *user {
	if len(c.owners) > 0 {
		return c.owners[0]
	}
	return w.sys[0]
}

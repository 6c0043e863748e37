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
	now := w.tick()
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
		messages:      []string{customerOpeners[next%len(customerOpeners)]},
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
	w.touch(c, w.tick(), w.actor(c))
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
	now := w.tick()
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
	now := w.tick()
	e := w.newEntry(c, kindComment, now, author)
	e.body, e.visibility = body, visibility
	if w.commentsBump {
		w.touch(c, now, author)
	}
	return entryID(c.num, kindComment, e.num)
}

// EditComment replaces a comment's body.
func (w *Workspace) EditComment(entryID, body string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, e := w.entryByRef(entryID)
	if e == nil || e.kind != kindComment {
		return
	}
	now := w.tick()
	e.body, e.deleted = body, false
	e.modified = e.prec.trunc(now)
	if w.commentsBump {
		w.touch(c, now, e.author)
	}
}

// DeleteComment deletes a comment the way DevRev does: the entry stays in the
// timeline, without its body.
func (w *Workspace) DeleteComment(entryID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, e := w.entryByRef(entryID)
	if e == nil || e.kind != kindComment || e.deleted {
		return
	}
	now := w.tick()
	e.body, e.deleted = "", true
	e.modified = e.prec.trunc(now)
	if w.commentsBump {
		w.touch(c, now, e.author)
	}
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
	now := w.tick()
	c.entries = slices.DeleteFunc(c.entries, func(x *entry) bool { return x == e })
	if w.commentsBump {
		w.touch(c, now, w.actor(c))
	}
}

// DeleteConversation removes a conversation: lists omit it and gets return 404.
// Lists never return tombstones, so clients must sweep IDs to notice.
func (w *Workspace) DeleteConversation(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.conversationByRef(id); c != nil {
		w.tick()
		w.removeConversation(c)
	}
}

func (w *Workspace) touch(c *conversation, now time.Time, by *user) {
	c.modified = c.prec.trunc(now)
	c.modifiedBy = by
}

// actor is who acts on c on the help desk's side: its owner, else the bot.
func (w *Workspace) actor(c *conversation) *user {
	if len(c.owners) > 0 {
		return c.owners[0]
	}
	return w.sys[0]
}

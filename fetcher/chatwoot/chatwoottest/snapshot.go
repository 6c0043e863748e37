package chatwoottest

import (
	"slices"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Snapshot is the account as the API serves it at one instant: what a
// complete, up-to-date mirror must hold. Times are exactly the instants the
// JSON carries, in UTC: whole seconds, except UpdatedAt (microseconds).
type Snapshot struct {
	AccountID int
	// Conversations are the live conversations, sorted by ID.
	Conversations []SnapConversation
	// Contacts are the contacts GET /contacts lists (those with an email, a
	// phone number or an identifier), sorted by ID. Anonymous website
	// visitors are only conversation senders (SnapConversation.ContactID).
	Contacts []SnapContact
	// Agents are every agent of the account, sorted by ID.
	Agents []SnapAgent
}

// SnapConversation is a conversation; ID is its display id.
type SnapConversation struct {
	ID       int
	InboxID  int
	Status   string // open, resolved, pending, snoozed
	Priority string // low, medium, high, urgent; "" when null
	Channel  string // meta.channel: Channel::WebWidget, Channel::Email, Channel::Api, Channel::Whatsapp
	// ContactID is meta.sender.id.
	ContactID int
	// AssigneeID is meta.assignee.id; 0 when unassigned.
	AssigneeID int
	// TeamID is meta.team.id; 0 when none.
	TeamID int
	// Labels in the order served; nil when none.
	Labels                               []string
	CreatedAt, UpdatedAt, LastActivityAt time.Time
	// SLA is nil unless the account is Enterprise and an SLA applies.
	SLA *SnapSLA
	// Messages are every message (private notes, activity messages and
	// deleted ones included), sorted by ID.
	Messages []SnapMessage
}

// MessageIDs are the ids of the conversation's messages, in order.
func (c SnapConversation) MessageIDs() []int {
	return fakeapi.IDs(c.Messages, func(m SnapMessage) int { return m.ID })
}

// SnapMessage is a message as GET …/messages serves it.
type SnapMessage struct {
	ID          int
	Content     *string // nil when content is null
	ContentType string
	MessageType int // 0 incoming, 1 outgoing, 2 activity, 3 template
	Private     bool
	Deleted     bool // content_attributes.deleted
	// SenderType is sender.type: "contact", "user", "agent_bot", or "" when
	// there is no sender (activity messages).
	SenderType  string
	SenderID    int
	CreatedAt   time.Time
	Attachments []SnapAttachment // nil when none
}

// SnapAttachment is a file attached to a message.
type SnapAttachment struct {
	ID       int
	FileType string // image, audio, video, file
	DataURL  string
	FileSize int
}

// SnapSLA is a conversation's applied_sla.
type SnapSLA struct {
	Name   string         // sla_name
	Status string         // active, hit, missed, active_with_misses
	Events []SnapSLAEvent // sla_events in the order served; nil when none
}

// SnapSLAEvent is one sla_events element.
type SnapSLAEvent struct {
	EventType string // frt, nrt, rt
	CreatedAt time.Time
}

// SnapContact is a contact; fields the API sends as null are "".
type SnapContact struct {
	ID                       int
	Name, Email, PhoneNumber string
}

// SnapAgent is an agent.
type SnapAgent struct {
	ID                                    int
	Name, Email, Role, AvailabilityStatus string
}

// Snapshot captures the workspace.
func (w *Workspace) Snapshot() Snapshot {
	w.mu.RLock()
	defer w.mu.RUnlock()

	snap := Snapshot{AccountID: w.accountID}
	snap.Conversations = make([]SnapConversation, 0, len(w.convs))
	for _, c := range w.convs { // already sorted by id
		snap.Conversations = append(snap.Conversations, w.snapConversation(c))
	}
	for _, ct := range w.contacts {
		if ct.listed() {
			snap.Contacts = append(snap.Contacts, SnapContact{ID: ct.id, Name: ct.name, Email: ct.email, PhoneNumber: ct.phone})
		}
	}
	for _, a := range w.agents {
		snap.Agents = append(snap.Agents, SnapAgent{ID: a.id, Name: a.name, Email: a.email, Role: a.role, AvailabilityStatus: a.availability})
	}
	return snap
}

func (w *Workspace) snapConversation(c *conversation) SnapConversation {
	sc := SnapConversation{
		ID: c.id, InboxID: c.inbox.id, Status: c.status, Priority: c.priority, Channel: c.inbox.channelType,
		ContactID: c.contact.id, CreatedAt: c.created, UpdatedAt: c.updated, LastActivityAt: c.lastActivity,
		Messages: make([]SnapMessage, 0, len(c.messages)),
	}
	if len(c.labels) > 0 {
		sc.Labels = slices.Clone(c.labels)
	}
	if c.assignee != nil {
		sc.AssigneeID = c.assignee.id
	}
	if c.team != nil {
		sc.TeamID = c.team.id
	}
	if s := c.sla; s != nil && w.enterprise {
		sc.SLA = &SnapSLA{Name: s.policy.name, Status: s.status}
		for _, e := range s.events {
			sc.SLA.Events = append(sc.SLA.Events, SnapSLAEvent{EventType: e.eventType, CreatedAt: e.created})
		}
	}
	for _, m := range c.messages {
		sm := SnapMessage{
			ID: m.id, Content: m.wireContent(), ContentType: m.contentType, MessageType: m.messageType,
			Private: m.private, Deleted: m.deleted, SenderType: m.senderType, SenderID: m.senderID, CreatedAt: m.created,
		}
		for _, a := range m.attach {
			sm.Attachments = append(sm.Attachments, SnapAttachment{ID: a.id, FileType: a.fileType, DataURL: w.dataURL(a), FileSize: a.size})
		}
		sc.Messages = append(sc.Messages, sm)
	}
	return sc
}

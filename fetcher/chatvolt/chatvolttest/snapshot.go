package chatvolttest

import (
	"cmp"
	"slices"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Snapshot is the workspace as the API serves it at one instant: what a
// complete, up-to-date mirror must hold. Times are exactly the instants the
// JSON carries (UTC, milliseconds); a null string on the wire is "" here.
type Snapshot struct {
	// Conversations are the live conversations, sorted by ID.
	Conversations []SnapConversation
}

// SnapConversation is a conversation with everything conversation.get and
// its messages serve. Lists are in the order the API serves them, except
// Messages.
type SnapConversation struct {
	ID, Title, Channel, Status, Priority string
	IsAIEnabled                          bool
	Frustration                          *float64 // nil when null
	CreatedAt, UpdatedAt                 time.Time
	AssigneeIDs                          []string
	Tags                                 []string          // tag names
	Variables                            map[string]string // conversationVariables: name → value
	CRM                                  []SnapCRMLink     // crmScenarioConversations
	Messages                             []SnapMessage     // sorted by CreatedAt, then ID
}

// MessageIDs are the ids of the conversation's messages, in order.
func (c SnapConversation) MessageIDs() []string {
	return fakeapi.IDs(c.Messages, func(m SnapMessage) string { return m.ID })
}

// SnapCRMLink is one crmScenarioConversations element.
type SnapCRMLink struct {
	ScenarioID, ScenarioName, StepID, StepName string
	Available                                  bool
	CreatedAt, UpdatedAt                       time.Time
}

// SnapMessage is a message.
type SnapMessage struct {
	ID, Text, HTML, From                  string
	AgentID, ContactID, UserID, VisitorID string
	Read                                  bool
	CreatedAt, UpdatedAt                  time.Time
}

// Snapshot captures the workspace.
func (w *Workspace) Snapshot() Snapshot {
	w.mu.RLock()
	defer w.mu.RUnlock()
	snap := Snapshot{Conversations: make([]SnapConversation, 0, len(w.convs))}
	for _, c := range w.convs {
		snap.Conversations = append(snap.Conversations, c.snapshot())
	}
	slices.SortFunc(snap.Conversations, func(a, b SnapConversation) int { return cmp.Compare(a.ID, b.ID) })
	return snap
}

func (c *conversation) snapshot() SnapConversation {
	sc := SnapConversation{
		ID:          c.id,
		Title:       c.title,
		Channel:     c.channel,
		Status:      c.status,
		Priority:    c.priority,
		IsAIEnabled: c.aiEnabled,
		CreatedAt:   c.created,
		UpdatedAt:   c.updated,
		Variables:   map[string]string{},
	}
	if c.frustration != nil {
		f := *c.frustration
		sc.Frustration = &f
	}
	for _, a := range c.assignees {
		sc.AssigneeIDs = append(sc.AssigneeIDs, a.id)
	}
	for _, t := range c.tags {
		sc.Tags = append(sc.Tags, t.name)
	}
	for _, v := range c.variables {
		sc.Variables[v.name] = v.value
	}
	for _, l := range c.crm {
		sc.CRM = append(sc.CRM, SnapCRMLink{
			ScenarioID: l.scenario.id, ScenarioName: l.scenario.name,
			StepID: l.step.id, StepName: l.step.name,
			Available: l.available, CreatedAt: l.created, UpdatedAt: l.updated,
		})
	}
	for _, m := range c.messages {
		sc.Messages = append(sc.Messages, SnapMessage{
			ID: m.id, Text: m.text, HTML: m.html, From: m.from,
			AgentID: m.agentID, ContactID: m.contactID, UserID: m.userID, VisitorID: m.visitorID,
			Read: m.read, CreatedAt: m.created, UpdatedAt: m.updated,
		})
	}
	return sc
}

package record

import (
	"encoding/json"
	"time"
)

// Streams name the kinds of record a source yields, as the quarantine and
// the logs record them.
const (
	StreamConversations = "conversations"
	StreamMessages      = "messages"
	StreamChats         = "chats"
	StreamSLATrackers   = "sla_trackers"
)

// Conversation statuses, normalized across vendors. The vendor's own value is
// kept in NativeStatus.
const (
	StatusOpen     = "open"
	StatusPending  = "pending"
	StatusSnoozed  = "snoozed"
	StatusResolved = "resolved"
	StatusClosed   = "closed"
)

// Message visibilities.
const (
	VisibilityPublic   = "public"
	VisibilityInternal = "internal"
	VisibilityPrivate  = "private"
)

// Author types of a message.
const (
	AuthorContact = "contact"
	AuthorAgent   = "agent"
	AuthorBot     = "bot"
	AuthorSystem  = "system"
)

// Participant roles.
const (
	RoleMember   = "member"
	RoleOwner    = "owner"
	RoleAssignee = "assignee"
)

// Each record's Raw is the vendor's own JSON for it, stored in the raw
// column; it is not part of the record's JSON encoding (see RawJSON).

// Conversation is a row of the conversations table.
type Conversation struct {
	ID           string    `json:"id"`
	DisplayID    string    `json:"display_id,omitempty"`
	Title        string    `json:"title,omitempty"`
	Description  string    `json:"description,omitempty"`
	Status       string    `json:"status,omitempty"`
	NativeStatus string    `json:"native_status,omitempty"`
	Priority     string    `json:"priority,omitempty"`
	Channel      string    `json:"channel,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	ModifiedAt   time.Time `json:"modified_at,omitzero"`
	// AssigneeIDs are the users the conversation is assigned to (DevRev's
	// owners, Chatwoot's assignee, Chatvolt's assignees), and SLAStage the
	// stage of its SLA as a whole; with the status and priority, they are the
	// fields conversation_history versions. They are not columns of the
	// conversations table (the participants and SLA tables hold them).
	AssigneeIDs []string        `json:"-"`
	SLAStage    string          `json:"-"`
	Raw         json.RawMessage `json:"-"`
}

// State returns the fields of the conversation that its history tracks.
func (r Conversation) State() ConversationState {
	return ConversationState{
		Status: r.Status, NativeStatus: r.NativeStatus, Priority: r.Priority,
		AssigneeIDs: r.AssigneeIDs, SLAStage: r.SLAStage,
	}
}

// Message is a row of the messages table. Body is nil for a message deleted
// at the source: the vendor still lists it (without its text), so its row
// stays live; deleted_at is for messages that are gone altogether.
type Message struct {
	ID             string          `json:"id"`
	ConversationID string          `json:"conversation_id"`
	AuthorID       string          `json:"author_id,omitempty"`
	AuthorType     string          `json:"author_type,omitempty"`
	Body           *string         `json:"body"`
	BodyType       string          `json:"body_type,omitempty"`
	Visibility     string          `json:"visibility,omitempty"`
	CreatedAt      time.Time       `json:"created_at,omitzero"`
	ModifiedAt     time.Time       `json:"modified_at,omitzero"`
	Raw            json.RawMessage `json:"-"`
}

// User is a row of the users table.
type User struct {
	ID          string          `json:"id"`
	Type        string          `json:"type,omitempty"`
	DisplayName string          `json:"display_name,omitempty"`
	FullName    string          `json:"full_name,omitempty"`
	Email       string          `json:"email,omitempty"`
	State       string          `json:"state,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// Participant links a user to a conversation in a role.
type Participant struct {
	ConversationID string `json:"conversation_id"`
	UserID         string `json:"user_id"`
	Role           string `json:"role"`
}

// Tag is a tag on a conversation, with its optional value.
type Tag struct {
	ConversationID string `json:"conversation_id"`
	Tag            string `json:"tag"`
	Value          string `json:"value,omitempty"`
}

// SLASummary is a conversation's SLA state as a whole.
type SLASummary struct {
	ConversationID        string          `json:"conversation_id"`
	Stage                 string          `json:"stage,omitempty"`
	TargetTime            time.Time       `json:"target_time,omitzero"`
	ClosestToBreachMetric string          `json:"closest_to_breach_metric,omitempty"`
	SLAName               string          `json:"sla_name,omitempty"`
	Raw                   json.RawMessage `json:"-"`
}

// SLAMetric is one metric of a conversation's SLA (first response, resolution…).
type SLAMetric struct {
	ConversationID     string          `json:"conversation_id"`
	Metric             string          `json:"metric"`
	Status             string          `json:"status,omitempty"`
	Stage              string          `json:"stage,omitempty"`
	TargetTime         time.Time       `json:"target_time,omitzero"`
	WarningTargetTime  time.Time       `json:"warning_target_time,omitzero"`
	BreachedAt         time.Time       `json:"breached_at,omitzero"`
	CompletedAt        time.Time       `json:"completed_at,omitzero"`
	CompletedInMinutes *int64          `json:"completed_in_minutes,omitempty"`
	InPolicy           *bool           `json:"in_policy,omitempty"`
	Raw                json.RawMessage `json:"-"`
}

// Chat is a direct-message channel referenced by conversations.
type Chat struct {
	ID         string          `json:"id"`
	Type       string          `json:"type,omitempty"`
	Title      string          `json:"title,omitempty"`
	CreatedAt  time.Time       `json:"created_at,omitzero"`
	ModifiedAt time.Time       `json:"modified_at,omitzero"`
	Raw        json.RawMessage `json:"-"`
}

// ChatMember links a user to a chat.
type ChatMember struct {
	ChatID string `json:"chat_id"`
	UserID string `json:"user_id"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	ID          string          `json:"id"`
	MessageID   string          `json:"message_id"`
	Name        string          `json:"name,omitempty"`
	ContentType string          `json:"content_type,omitempty"`
	Size        *int64          `json:"size,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// CRMScenarioLink links a conversation to a CRM scenario and its step
// (Chatvolt's crmScenarioConversations).
type CRMScenarioLink struct {
	ConversationID string          `json:"conversation_id"`
	ScenarioID     string          `json:"scenario_id"`
	ScenarioName   string          `json:"scenario_name,omitempty"`
	StepID         string          `json:"step_id,omitempty"`
	StepName       string          `json:"step_name,omitempty"`
	Available      *bool           `json:"available,omitempty"`
	CreatedAt      time.Time       `json:"created_at,omitzero"`
	UpdatedAt      time.Time       `json:"updated_at,omitzero"`
	Raw            json.RawMessage `json:"-"`
}

// Quarantined is a vendor record that could not be decoded or normalized. It
// is kept with its error instead of failing the page it came in.
type Quarantined struct {
	Stream   string `json:"stream"`
	RecordID string `json:"record_id"`
	// ParentID names the record's parent (a message's conversation), so a
	// later pass can fetch it again.
	ParentID string `json:"parent_id,omitempty"`
	Raw      string `json:"raw"`
	Error    string `json:"error"`
}

// RawJSON returns the vendor's record, written to the raw column. The store
// splices it into the rows it sends verbatim: it is valid JSON by
// construction, and re-encoding it would cost as much as all the rest.
func (r Conversation) RawJSON() json.RawMessage { return r.Raw }

func (r Message) RawJSON() json.RawMessage { return r.Raw }

func (r User) RawJSON() json.RawMessage { return r.Raw }

func (r SLASummary) RawJSON() json.RawMessage { return r.Raw }

func (r SLAMetric) RawJSON() json.RawMessage { return r.Raw }

func (r Chat) RawJSON() json.RawMessage { return r.Raw }

func (r Attachment) RawJSON() json.RawMessage { return r.Raw }

func (r CRMScenarioLink) RawJSON() json.RawMessage { return r.Raw }

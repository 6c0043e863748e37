package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/syncerhq/syncer/fetcher"
)

// The wire types carry only what syncer reads; the rest stays in raw.

// listResponse is an account API answer of conversations; its payload must
// be there (see requiredList).
type listResponse struct {
	Data struct {
		Meta struct {
			AllCount *fetcher.Int `json:"all_count"`
		} `json:"meta"`
		Payload requiredList `json:"payload"`
	} `json:"data"`
}

func (r *listResponse) UnmarshalJSON(b []byte) error {
	type plain listResponse
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	return r.Data.Payload.required("data.payload")
}

// messagesResponse is an account API answer of messages; its payload must
// be there (see requiredList).
type messagesResponse struct {
	Payload requiredList `json:"payload"`
}

func (r *messagesResponse) UnmarshalJSON(b []byte) error {
	type plain messagesResponse
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	return r.Payload.required("payload")
}

// requiredList is a list of records that must be there: an answer without
// one ({}, null, an error object) is not an empty list, and read as one it
// would end a listing early or take records for deleted.
type requiredList []json.RawMessage

// required says an answer had no list where it must: decoding leaves a
// missing one nil (and refuses null), an empty one not.
func (l requiredList) required(where string) error {
	if l == nil {
		return fmt.Errorf("the answer has no %s list", where)
	}
	return nil
}

func (l *requiredList) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return errors.New("null instead of a list")
	}
	return json.Unmarshal(b, (*[]json.RawMessage)(l))
}

type conversation struct {
	ID     fetcher.Int `json:"id"`
	Status string      `json:"status"`
	// Priority is null or low|medium|high|urgent.
	Priority       *string          `json:"priority"`
	InboxID        *fetcher.Int     `json:"inbox_id"`
	Labels         []string         `json:"labels"`
	CreatedAt      fetcher.UnixTime `json:"created_at"`
	UpdatedAt      fetcher.UnixTime `json:"updated_at"`
	LastActivityAt fetcher.UnixTime `json:"last_activity_at"`
	Meta           *convMeta        `json:"meta"`
	Contact        *person          `json:"contact"` // public API shape
	AppliedSLA     *appliedSLA      `json:"applied_sla"`
	SLAEvents      slaEvents        `json:"sla_events"`
	// FirstReplyCreatedAt is 0 until an agent first replies.
	FirstReplyCreatedAt fetcher.UnixTime  `json:"first_reply_created_at"`
	Messages            []json.RawMessage `json:"messages"` // the public API embeds them
}

type convMeta struct {
	Sender   *person `json:"sender"`
	Assignee *person `json:"assignee"`
	// AssigneeType is "AgentBot" for a conversation an agent bot owns
	// (Chatwoot 4.x since mid-2026); the assignee then has a bot's id.
	AssigneeType string `json:"assignee_type"`
	Channel      string `json:"channel"`
}

// assigneeKind is the person type of the conversation's assignee: an agent
// (user) unless Chatwoot says an agent bot owns it, in the meta or in the
// assignee itself. Bots and agents are numbered apart: taken for an agent, a
// bot would be recorded as the agent with its id.
func (m *convMeta) assigneeKind() string {
	if m.AssigneeType == "AgentBot" || (m.Assignee != nil && m.Assignee.AssigneeType == "AgentBot") {
		return "agent_bot"
	}
	return "user"
}

// person is a contact, an agent (user) or an agent bot, as senders,
// assignees and conversation contacts appear.
type person struct {
	ID                 fetcher.Int `json:"id"`
	Name               string      `json:"name"`
	AvailableName      string      `json:"available_name"`
	Email              *string     `json:"email"`
	PhoneNumber        *string     `json:"phone_number"`
	Type               string      `json:"type"`
	Role               string      `json:"role"`
	AvailabilityStatus string      `json:"availability_status"`
	AssigneeType       string      `json:"assignee_type,omitempty"` // an assignee's, see convMeta
}

// appliedSLA is a conversation's SLA (Enterprise only). Raw is its JSON as
// served, for the SLA records.
type appliedSLA struct {
	SLAStatus         string           `json:"sla_status"`
	SLAName           string           `json:"sla_name"`
	FirstResponseTime *fetcher.Int     `json:"sla_first_response_time_threshold"`
	NextResponseTime  *fetcher.Int     `json:"sla_next_response_time_threshold"`
	ResolutionTime    *fetcher.Int     `json:"sla_resolution_time_threshold"`
	CreatedAt         fetcher.UnixTime `json:"created_at"`
	// UpdatedAt is when its status last changed: when it was settled, once
	// hit or missed.
	UpdatedAt fetcher.UnixTime `json:"updated_at"`
	Raw       json.RawMessage  `json:"-"`
}

func (a *appliedSLA) UnmarshalJSON(b []byte) error {
	type plain appliedSLA
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// slaEvents are an SLA's misses, and their JSON as served.
type slaEvents struct {
	List []slaEvent
	Raw  json.RawMessage
}

func (e *slaEvents) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &e.List); err != nil {
		return err
	}
	e.Raw = append(json.RawMessage(nil), b...)
	return nil
}

type slaEvent struct {
	EventType string           `json:"event_type"`
	CreatedAt fetcher.UnixTime `json:"created_at"`
}

type message struct {
	ID                fetcher.Int      `json:"id"`
	Content           *string          `json:"content"`
	ContentType       string           `json:"content_type"`
	ContentAttributes json.RawMessage  `json:"content_attributes"`
	MessageType       *fetcher.Int     `json:"message_type"`
	CreatedAt         fetcher.UnixTime `json:"created_at"`
	Private           bool             `json:"private"`
	Sender            *person          `json:"sender"`
	Attachments       []attachment     `json:"attachments"`
}

type attachment struct {
	ID       fetcher.Int  `json:"id"`
	FileType string       `json:"file_type"`
	DataURL  string       `json:"data_url"`
	FileSize *fetcher.Int `json:"file_size"`
}

// Message types, as Chatwoot's integer enum.
const (
	messageIncoming = 0
	messageOutgoing = 1
	messageActivity = 2
	messageTemplate = 3
)

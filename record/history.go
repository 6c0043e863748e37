package record

import (
	"slices"
	"time"
)

// ConversationState is what conversation_history tracks of a conversation:
// a new version is written whenever one of these changes. Empty strings are
// unknown or unset (null in the table).
type ConversationState struct {
	Status       string   `json:"status,omitempty"`
	NativeStatus string   `json:"native_status,omitempty"`
	Priority     string   `json:"priority,omitempty"`
	AssigneeIDs  []string `json:"assignee_ids,omitempty"`
	SLAStage     string   `json:"sla_stage,omitempty"`
}

// Equal reports whether s and o are the same state (assignees in any order).
func (s ConversationState) Equal(o ConversationState) bool {
	return s.Status == o.Status && s.NativeStatus == o.NativeStatus && s.Priority == o.Priority &&
		s.SLAStage == o.SLAStage && slices.Equal(SortedIDs(s.AssigneeIDs), SortedIDs(o.AssigneeIDs))
}

// SortedIDs returns ids sorted without duplicates, as the history stores them.
func SortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// TrackedField names one field of ConversationState, as a change record sets
// it.
type TrackedField string

// The tracked fields.
const (
	FieldStatus       TrackedField = "status"
	FieldNativeStatus TrackedField = "native_status"
	FieldPriority     TrackedField = "priority"
	FieldAssigneeIDs  TrackedField = "assignee_ids"
	FieldSLAStage     TrackedField = "sla_stage"
)

// With returns s with field set to from's value of it.
func (s ConversationState) With(field TrackedField, from ConversationState) ConversationState {
	switch field {
	case FieldStatus:
		s.Status = from.Status
	case FieldNativeStatus:
		s.NativeStatus = from.NativeStatus
	case FieldPriority:
		s.Priority = from.Priority
	case FieldAssigneeIDs:
		s.AssigneeIDs = slices.Clone(from.AssigneeIDs)
	case FieldSLAStage:
		s.SLAStage = from.SLAStage
	}
	return s
}

// ConversationChange is the vendor's own record of a change to tracked
// fields of a conversation, dated by the vendor: DevRev's
// timeline_change_event, Chatwoot's status activity message. History built
// from these is exact where observation can only bound a change in time.
type ConversationChange struct {
	ConversationID string `json:"conversation_id,omitempty"`
	// At is when the change happened, by the vendor's clock.
	At time.Time `json:"at"`
	// ChangedBy is the user who made it, when the vendor says (users.id).
	ChangedBy string `json:"changed_by,omitempty"`
	// Sets lists the fields the change set; After holds their new values,
	// and Before their old ones when the vendor gives them (nil otherwise).
	Sets   []TrackedField     `json:"sets"`
	Before *ConversationState `json:"before,omitempty"`
	After  ConversationState  `json:"after"`
}

// Observation is a conversation's tracked state as syncer read it, with the
// vendor's modification time of that read. A backfill's listing inserts a
// conversation and queues the job that reads its timeline in one
// transaction; instead of writing the conversation's history then and again
// when the timeline's change records arrive, it hands what it observed to
// that job, which writes the history once.
type Observation struct {
	ConversationID string            `json:"-"`
	ModifiedAt     time.Time         `json:"modified_at"`
	State          ConversationState `json:"state"`
}

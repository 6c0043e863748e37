package devrev

import (
	"errors"
	"fmt"
	"strings"

	"github.com/syncerhq/syncer/record"
)

// The fields of a conversation whose changes DevRev's timeline records and
// the history tracks: field_deltas[].name of a timeline_change_event.
const (
	deltaStage    = "stage"
	deltaPriority = "priority"
	deltaOwnedBy  = "owned_by"
)

// normalizeChange turns a timeline_change_event into the record of a change
// to the conversation's tracked fields, dated by the entry's created_date and
// made by its created_by. Updates of other fields, and events of other
// types (created, linked…), are not changes the history tracks: nothing is
// added for them. An update of a tracked field without a time cannot be
// placed in the history: an error, so that it is quarantined.
func normalizeChange(conversationID string, e *timelineEntry, b *record.Batch) error {
	if e.Event == nil || e.Event.Updated == nil {
		return nil
	}
	if t := e.Event.Updated.ObjectType; t != "" && t != "conversation" {
		return nil // another object's change, on this timeline
	}
	change := record.ConversationChange{ConversationID: conversationID, At: e.CreatedDate.Time}
	// before is what the fields were, given only if the event says it of
	// every field it sets: the history applies it to all of them.
	var before record.ConversationState
	beforeKnown := true
	for _, d := range e.Event.Updated.FieldDeltas {
		fields, ok := trackedDelta(d.Name)
		// DevRev leaves out what is unset: a delta without new_value cleared
		// its field, one without old_value set it for the first time. A
		// stage cannot be cleared: a stage delta without new_value says
		// nothing, and one without old_value does not say what it was.
		clearable := d.Name != deltaStage
		if !ok || d.NewValue == nil && (!clearable || d.OldValue == nil) {
			continue
		}
		if !readable(d.Name, d.NewValue) {
			// Of a type syncer does not know: no clearing, and no change
			// it can place. In quarantine, the entry also keeps the
			// history from counting as complete.
			return fmt.Errorf("%s change to a value of a type syncer does not read (%q)", d.Name, d.NewValue.Type)
		}
		change.Sets = append(change.Sets, fields...)
		if d.NewValue != nil {
			setState(&change.After, d.Name, d.NewValue)
		}
		if d.OldValue != nil {
			setState(&before, d.Name, d.OldValue)
		}
		beforeKnown = beforeKnown && (clearable || d.OldValue != nil) && readable(d.Name, d.OldValue)
	}
	if len(change.Sets) == 0 {
		return nil
	}
	if change.At.IsZero() {
		return errors.New("timeline change event has no created_date")
	}
	if beforeKnown {
		change.Before = &before
	}
	if e.CreatedBy != nil {
		change.ChangedBy = e.CreatedBy.ID
		addUser(b, e.CreatedBy)
	}
	b.Changes = append(b.Changes, change)
	return nil
}

// trackedDelta returns the history's fields a delta of the named field sets.
func trackedDelta(name string) ([]record.TrackedField, bool) {
	switch name {
	case deltaStage:
		return []record.TrackedField{record.FieldStatus, record.FieldNativeStatus}, true
	case deltaPriority:
		return []record.TrackedField{record.FieldPriority}, true
	case deltaOwnedBy:
		return []record.TrackedField{record.FieldAssigneeIDs}, true
	}
	return nil, false
}

// readable reports whether a field value, when given, says something:
// a priority that reads empty was of a type syncer does not know (a
// number), and would pass for a field cleared; a stage given by its id
// names no stage the conversation's own stage.name could match.
func readable(name string, v *fieldValue) bool {
	var s record.ConversationState
	switch {
	case v == nil:
		return true
	case name == deltaStage:
		setState(&s, name, v)
		return s.NativeStatus != "" && !strings.HasPrefix(s.NativeStatus, "don:")
	case name == deltaPriority:
		setState(&s, name, v)
		return s.Priority != ""
	}
	return true
}

// setState sets in s what a field value says, normalized as the
// conversation's own fields are (normalizeConversation).
func setState(s *record.ConversationState, name string, v *fieldValue) {
	switch name {
	case deltaStage:
		stage := v.Name
		if stage == "" && v.Stage != nil {
			stage = v.Stage.Name
		}
		if stage == "" {
			stage = string(v.Value)
		}
		s.NativeStatus, s.Status = stage, statusFromStage(stage)
	case deltaPriority:
		s.Priority = strings.ToLower(string(v.Value))
	case deltaOwnedBy:
		var ids []string // nil for no list, as before: empty and nil differ
		if v.Values != nil {
			ids = make([]string, 0, len(v.Values))
		}
		for _, id := range v.Values {
			if id != "" {
				ids = append(ids, string(id))
			}
		}
		s.AssigneeIDs = record.SortedIDs(ids)
		if len(v.Values) == 0 && v.Value != "" {
			s.AssigneeIDs = []string{string(v.Value)}
		}
	}
}

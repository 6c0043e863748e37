package devrev

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/record"
)

func TestNormalizeChangeEvent(t *testing.T) {
	t.Parallel()

	page := func(t *testing.T, entries, next string) *record.Batch {
		t.Helper()
		p, _, err := parseTimelinePage("don:conv/1", []byte(`{"timeline_entries":[`+entries+`]`+next+`}`))
		require.NoError(t, err)
		return &p.Batch
	}

	t.Run("StageChangeWithItsTimeAndAuthor", func(t *testing.T) {
		t.Parallel()
		// As the beta spec's timeline-change-event documents it.
		b := page(t, `{"type":"timeline_change_event","id":"don:ev/1","object":"don:conv/1","object_display_id":"CONV-1",
			"created_date":"2025-03-01T10:20:30.123456789Z","created_by":{"type":"dev_user","id":"don:devu/2"},
			"event":{"type":"updated","updated":{"object_type":"conversation","field_deltas":[
				{"name":"stage","old_value":{"type":"stage","name":"new"},"new_value":{"type":"stage","name":"waiting_on_user"}},
				{"name":"title","old_value":{"type":"string","value":"a"},"new_value":{"type":"string","value":"b"}}]}}}`, ``)
		require.Empty(t, b.Quarantined)
		require.Empty(t, b.Messages, "a change event is no message")
		require.Equal(t, []record.ConversationChange{{
			ConversationID: "don:conv/1",
			At:             time.Date(2025, 3, 1, 10, 20, 30, 123456789, time.UTC),
			ChangedBy:      "don:devu/2",
			Sets:           []record.TrackedField{record.FieldStatus, record.FieldNativeStatus},
			Before:         &record.ConversationState{Status: "open", NativeStatus: "new"},
			After:          record.ConversationState{Status: "pending", NativeStatus: "waiting_on_user"},
		}}, b.Changes)
		require.Equal(t, []string{"don:conv/1"}, b.ChangesCompleteFor, "the last page completes the records")
	})

	t.Run("PriorityAndOwners", func(t *testing.T) {
		t.Parallel()
		b := page(t, `{"type":"timeline_change_event","id":"e","created_date":"2025-03-01T10:00:00Z",
			"event":{"type":"updated","updated":{"field_deltas":[
				{"name":"priority","new_value":{"type":"string","value":"P1"}},
				{"name":"owned_by","old_value":{"type":"id_list","values":["u1"]},"new_value":{"type":"id_list","values":["u3","u2"]}}]}}}`, `,"next_cursor":"x"`)
		require.Len(t, b.Changes, 1)
		require.Equal(t, record.ConversationState{Priority: "p1", AssigneeIDs: []string{"u2", "u3"}}, b.Changes[0].After)
		require.Empty(t, b.ChangesCompleteFor, "more pages follow")
	})

	t.Run("AValueOfAnUnknownTypeIsNoClearing", func(t *testing.T) {
		t.Parallel()
		// A priority given as a number, a stage as an id: neither reads as
		// text, and neither is the field cleared. The entry goes to
		// quarantine, and the page's changes are not complete; an old
		// value unread leaves the before unknown.
		for _, delta := range []string{
			`{"name":"priority","old_value":{"type":"int","value":1},"new_value":{"type":"int","value":2}}`,
			`{"name":"stage","new_value":{"type":"id","value":{"id":"don:stage/9"}}}`,
		} {
			b := page(t, `{"type":"timeline_change_event","id":"e","created_date":"2025-03-01T10:00:00Z",
				"event":{"type":"updated","updated":{"field_deltas":[`+delta+`,
				{"name":"owned_by","new_value":{"type":"id_list","values":["u2"]}}]}}}`, ``)
			require.Empty(t, b.Changes, delta)
			require.Len(t, b.Quarantined, 1, delta)
			require.Empty(t, b.ChangesCompleteFor, delta)
		}
		b := page(t, `{"type":"timeline_change_event","id":"e","created_date":"2025-03-01T10:00:00Z",
			"event":{"type":"updated","updated":{"field_deltas":[
				{"name":"priority","old_value":{"type":"int","value":1},"new_value":{"type":"string","value":"P0"}}]}}}`, ``)
		require.Len(t, b.Changes, 1)
		require.Equal(t, "p0", b.Changes[0].After.Priority)
		require.Nil(t, b.Changes[0].Before, "what it was is unknown")
	})

	// DevRev leaves out what is unset: a delta without new_value cleared
	// its field, one without old_value set it for the first time. A stage
	// cannot be cleared, so a stage delta without new_value says nothing.
	t.Run("ClearedAndFirstSetFields", func(t *testing.T) {
		t.Parallel()
		b := page(t, `{"type":"timeline_change_event","id":"e1","created_date":"2025-03-01T01:00:00Z",
			"event":{"type":"updated","updated":{"field_deltas":[{"name":"priority","new_value":{"type":"string","value":"P1"}}]}}},
			{"type":"timeline_change_event","id":"e2","created_date":"2025-03-01T02:00:00Z",
			"event":{"type":"updated","updated":{"field_deltas":[
				{"name":"priority","old_value":{"type":"string","value":"P1"}},
				{"name":"owned_by","old_value":{"type":"id_list","values":["u1"]}}]}}},
			{"type":"timeline_change_event","id":"e3","created_date":"2025-03-01T03:00:00Z",
			"event":{"type":"updated","updated":{"field_deltas":[{"name":"stage","old_value":{"type":"stage","name":"new"}}]}}}`, ``)
		require.Empty(t, b.Quarantined)
		require.Equal(t, []string{"e1", "e2", "e3"}, b.EntriesRead, "every event read cleanly, a change or not")
		require.Len(t, b.Changes, 2)
		first, cleared := b.Changes[0], b.Changes[1]
		require.Equal(t, []record.TrackedField{record.FieldPriority}, first.Sets)
		require.Equal(t, &record.ConversationState{}, first.Before, "unset before it was first set")
		require.Equal(t, "p1", first.After.Priority)
		require.Equal(t, []record.TrackedField{record.FieldPriority, record.FieldAssigneeIDs}, cleared.Sets)
		require.Equal(t, record.ConversationState{}, cleared.After, "both cleared")
		require.Equal(t, &record.ConversationState{Priority: "p1", AssigneeIDs: []string{"u1"}}, cleared.Before)
	})

	// A stage delta without old_value does not say what the stage was:
	// the event then gives no old values at all, since the history applies
	// them to every field the event sets (a blank stage would be taken
	// back to the conversation's creation).
	t.Run("AStageWithoutItsOldValueGivesNoBefore", func(t *testing.T) {
		t.Parallel()
		for _, other := range []string{
			`{"name":"priority","new_value":{"type":"string","value":"P1"}}`,
			`{"name":"owned_by","old_value":{"type":"id_list","values":["u1"]},"new_value":{"type":"id_list","values":["u2"]}}`,
		} {
			b := page(t, `{"type":"timeline_change_event","id":"e1","created_date":"2025-03-01T01:00:00Z",
				"event":{"type":"updated","updated":{"field_deltas":[{"name":"stage","new_value":{"type":"stage","name":"resolved"}},`+other+`]}}}`, ``)
			require.Len(t, b.Changes, 1)
			require.Nil(t, b.Changes[0].Before, other)
			require.Equal(t, "resolved", b.Changes[0].After.NativeStatus)
		}
	})

	t.Run("OtherEventsAreNoChange", func(t *testing.T) {
		t.Parallel()
		b := page(t, `{"type":"timeline_change_event","id":"e1","created_date":"2025-03-01T10:00:00Z","event":{"type":"linked","linked":{}}},
			{"type":"timeline_change_event","id":"e2","created_date":"2025-03-01T10:00:00Z","event":{"type":"updated","updated":{"field_deltas":[{"name":"title"}]}}}`, ``)
		require.Empty(t, b.Changes)
		require.Empty(t, b.Quarantined)
	})

	t.Run("UndatedStageChangeIsQuarantined", func(t *testing.T) {
		t.Parallel()
		b := page(t, `{"type":"timeline_change_event","id":"e","event":{"type":"updated","updated":{"field_deltas":[
			{"name":"stage","new_value":{"type":"stage","name":"resolved"}}]}}}`, ``)
		require.Empty(t, b.Changes)
		require.Len(t, b.Quarantined, 1)
		require.Contains(t, b.Quarantined[0].Error, "no created_date")
		require.Empty(t, b.ChangesCompleteFor, "a change it could not read: the records are not complete")
		require.Empty(t, b.EntriesRead, "not read cleanly")
	})

	t.Run("ListsOfOtherValuesDoNotRefuseTheEvent", func(t *testing.T) {
		t.Parallel()
		// The beta spec's field-value has lists of tag summaries, numbers,
		// booleans: an event changing tags with the stage keeps the stage.
		b := page(t, `{"type":"timeline_change_event","id":"e","created_date":"2025-03-01T10:00:00Z",
			"event":{"type":"updated","updated":{"object_type":"conversation","field_deltas":[
				{"name":"stage","old_value":{"type":"stage","name":"new"},"new_value":{"type":"stage","name":"resolved"}},
				{"name":"tags","new_value":{"type":"tag_summary_list","values":[{"tag_id":"don:tag/1","name":"vip"}]}},
				{"name":"score","new_value":{"type":"int_list","values":[1,2]}}]}}}`, ``)
		require.Empty(t, b.Quarantined)
		require.Len(t, b.Changes, 1)
		require.Equal(t, "resolved", b.Changes[0].After.NativeStatus)
		require.Equal(t, []string{"don:conv/1"}, b.ChangesCompleteFor)
	})

	t.Run("AnotherObjectsChangeIsNotTheConversations", func(t *testing.T) {
		t.Parallel()
		b := page(t, `{"type":"timeline_change_event","id":"e","created_date":"2025-03-01T10:00:00Z",
			"event":{"type":"updated","updated":{"object_type":"ticket","field_deltas":[
				{"name":"stage","new_value":{"type":"stage","name":"resolved"}}]}}}`, ``)
		require.Empty(t, b.Changes)
	})
}

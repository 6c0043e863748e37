package chatwoot

import (
	"strings"
	"time"

	"github.com/syncerhq/syncer/record"
)

// Chatwoot records a status change only as an activity message, whose text is
// the sole account of it: neither the message (content_attributes is empty)
// nor the conversation carries a structured record of the change, and its
// webhooks are not history. The text is rendered in the account's locale;
// syncer recognizes exactly the English forms of Chatwoot's
// conversations.activity.status messages below, each by its start, and
// dates the change by the message's created_at. Any other text, another
// locale included, is no change record: the history then rests on what the
// passes observe of the conversation's status.
var statusActivities = []struct { //nolint:gochecknoglobals // constant table
	prefix string
	status string
}{
	{"Conversation was marked resolved by ", "resolved"}, // by an agent, or "by system due to … inactivity"
	{"Conversation was resolved by ", "resolved"},        // by the contact
	{"Conversation was reopened by ", "open"},
	{"Conversation was marked open by ", "open"}, // Captain handing a conversation back
	{"System reopened the conversation", "open"}, // "… due to a new incoming message."
	{"Conversation was marked as pending by ", "pending"},
	{"Conversation was snoozed by ", "snoozed"},
}

// statusFromActivity returns the status an activity message's text says the
// conversation moved to, if it is one of statusActivities.
func statusFromActivity(content string) (string, bool) {
	for _, a := range statusActivities {
		if strings.HasPrefix(content, a.prefix) {
			return a.status, true
		}
	}
	return "", false
}

// addStatusChange adds the change an activity message records, if any. The
// message says neither the status before nor (as an id) who made it.
func addStatusChange(conversationID, content string, createdAt time.Time, b *record.Batch) {
	native, ok := statusFromActivity(content)
	if !ok || createdAt.IsZero() {
		return
	}
	b.Changes = append(b.Changes, record.ConversationChange{
		ConversationID: conversationID,
		At:             createdAt,
		Sets:           []record.TrackedField{record.FieldNativeStatus, record.FieldStatus},
		After:          record.ConversationState{Status: status(native), NativeStatus: native},
	})
}

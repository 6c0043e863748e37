package chatwoot

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/record"
)

func TestStatusFromActivity(t *testing.T) {
	t.Parallel()
	// Every form recognized, as Chatwoot's English locale writes them, and
	// texts that are no status change.
	for content, want := range map[string]string{
		"Conversation was marked resolved by Ana":                                "resolved",
		"Conversation was marked resolved by system due to 7 days of inactivity": "resolved",
		"Conversation was resolved by Jane Customer":                             "resolved",
		"Conversation was reopened by Ana":                                       "open",
		"Conversation was marked open by Captain":                                "open",
		"System reopened the conversation due to a new incoming message.":        "open",
		"Conversation was marked as pending by Ana":                              "pending",
		"Conversation was snoozed by Ana":                                        "snoozed",
		"Assigned to Ana by Bo":                                                  "",
		"Ana set the priority to high":                                           "",
		"La conversación fue marcada como resuelta por Ana":                      "",
		"conversation was marked resolved by Ana":                                "",
	} {
		got, ok := statusFromActivity(content)
		require.Equal(t, want != "", ok, content)
		require.Equal(t, want, got, content)
	}
}

func TestActivityMessageRecordsAChange(t *testing.T) {
	t.Parallel()
	b := &record.Batch{}
	addMessage("7", json.RawMessage(`{"id":9,"content":"Conversation was marked as pending by Ana","message_type":2,"created_at":1740824430}`), b)
	require.Empty(t, b.Quarantined)
	require.Len(t, b.Messages, 1, "the activity is a message too")
	require.Len(t, b.Changes, 1)
	c := b.Changes[0]
	require.Equal(t, "7", c.ConversationID)
	require.Equal(t, "pending", c.After.Status)
	require.Equal(t, int64(1740824430), c.At.Unix())
	require.Nil(t, c.Before, "the text does not say the status before")
}

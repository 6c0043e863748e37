package fetcher

import (
	"encoding/json"

	"github.com/syncerhq/syncer/record"
)

// AddConversation normalizes one conversation into page, whole or not at
// all: a conversation that fails to normalize is quarantined with nothing of
// it landing, so the mirror never holds half a record. normalize adds the
// conversation's records to a page of its own; page's MaxModified follows
// the conversations added.
func AddConversation(page *ConversationPage, raw json.RawMessage, normalize func(json.RawMessage, *ConversationPage) error) {
	one := &ConversationPage{}
	if err := normalize(raw, one); err != nil {
		Quarantine(&page.Batch, record.StreamConversations, "", raw, err)
		return
	}
	page.Batch.Merge(&one.Batch)
	page.ChatIDs = append(page.ChatIDs, one.ChatIDs...)
	page.SLATrackers = append(page.SLATrackers, one.SLATrackers...)
	for _, c := range one.Batch.Conversations {
		if c.ModifiedAt.After(page.MaxModified) {
			page.MaxModified = c.ModifiedAt
		}
	}
}

// AddMessage normalizes one message of a conversation into b, whole or not
// at all, as AddConversation.
func AddMessage(b *record.Batch, conversationID string, raw json.RawMessage, normalize func(conversationID string, raw json.RawMessage, one *record.Batch) error) {
	one := &record.Batch{}
	if err := normalize(conversationID, raw, one); err != nil {
		Quarantine(b, record.StreamMessages, conversationID, raw, err)
		return
	}
	b.Merge(one)
}

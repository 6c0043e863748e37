package normalizetest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// Page normalizes raws as one listing page, each with add (a vendor's
// addConversation).
func Page(add func(json.RawMessage, *fetcher.ConversationPage), raws ...string) *fetcher.ConversationPage {
	page := &fetcher.ConversationPage{}
	for _, raw := range raws {
		add(json.RawMessage(raw), page)
	}
	return page
}

// RequireSpecExamplesLand checks that a conversation and a message built
// from a vendor's official spec (every documented field), kept as fuzz
// seeds at the corpus paths, land whole: nothing quarantined.
func RequireSpecExamplesLand(t *testing.T, conversationCorpus, messageCorpus string,
	addConversation func(json.RawMessage, *fetcher.ConversationPage),
	addMessage func(conversationID string, raw json.RawMessage, b *record.Batch),
) {
	t.Helper()
	conv, err := ReadFile(conversationCorpus)
	require.NoError(t, err)
	page := &fetcher.ConversationPage{}
	addConversation(conv, page)
	require.Empty(t, page.Batch.Quarantined)
	require.Len(t, page.Batch.Conversations, 1)

	msg, err := ReadFile(messageCorpus)
	require.NoError(t, err)
	b := &record.Batch{}
	addMessage("1", msg, b)
	require.Empty(t, b.Quarantined)
	require.Len(t, b.Messages, 1)
}

package normalizetest

import (
	"encoding/json"
	"testing"
	"time"

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

// RequireOnlyIDLands checks that a conversation with nothing but its id
// lands: no status, no modification time, and a complete, empty set of
// participants. It returns the page for the vendor's own checks (its SLA).
func RequireOnlyIDLands(t *testing.T, add func(json.RawMessage, *fetcher.ConversationPage), id string) *fetcher.ConversationPage {
	t.Helper()
	raw, err := json.Marshal(map[string]string{"id": id})
	require.NoError(t, err)
	page := Page(add, string(raw))
	require.Empty(t, page.Batch.Quarantined)
	require.Len(t, page.Batch.Conversations, 1)
	c := page.Batch.Conversations[0]
	require.Equal(t, id, c.ID)
	require.Empty(t, c.Status)
	require.True(t, c.ModifiedAt.IsZero())
	require.Equal(t, []string{id}, page.Batch.ParticipantsOf, "no participants is a complete, empty set")
	return page
}

// RequireModifiedAt checks that a conversation whose field (the vendor's
// modification time) is ts lands modified at want, an RFC 3339 time, and
// that the page's MaxModified is that time too.
func RequireModifiedAt(t *testing.T, add func(json.RawMessage, *fetcher.ConversationPage), field, ts, want string) {
	t.Helper()
	raw, err := json.Marshal(map[string]string{"id": "c", field: ts})
	require.NoError(t, err)
	page := Page(add, string(raw))
	require.Empty(t, page.Batch.Quarantined, ts)
	w, err := time.Parse(time.RFC3339Nano, want)
	require.NoError(t, err)
	require.True(t, w.Equal(page.Batch.Conversations[0].ModifiedAt), ts)
	require.True(t, w.Equal(page.MaxModified), ts)
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

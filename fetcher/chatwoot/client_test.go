package chatwoot

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
)

// TestMessagesStopAtTheLastCompleteRead: a read that is not Full pages back
// until it reaches messages created before the last complete read, however
// many newer ones the mirror already knows (a read cut off midway leaves
// known newest pages above a gap).
func TestMessagesStopAtTheLastCompleteRead(t *testing.T) {
	t.Parallel()
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	conv := ws.AddConversation("Ann", "first")
	for i := range 70 {
		ws.AddMessage(conv, "message", i%2, false)
	}
	server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "t"})
	t.Cleanup(server.Close)
	client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)

	msgs := ws.Snapshot().Conversations[0].Messages
	read := func(q fetcher.MessageQuery) (pages, messages int) {
		q.ConversationID = "1"
		for {
			page, err := client.ListMessages(context.Background(), q)
			require.NoError(t, err)
			pages++
			messages += len(page.Batch.Messages)
			if page.NextCursor == "" {
				return pages, messages
			}
			q.Cursor = page.NextCursor
		}
	}
	everythingKnown := func(_ context.Context, ids []string) (map[string]bool, error) {
		out := map[string]bool{}
		for _, id := range ids {
			out[id] = true
		}
		return out, nil
	}

	pages, n := read(fetcher.MessageQuery{Full: true})
	require.Equal(t, len(msgs), n)
	require.Equal(t, 4, pages)

	// The last complete read covered the oldest 15 messages only: the read
	// goes back to the page that reaches them (the third: messages 12 to
	// 31), not stopping at the first page of known messages.
	pages, _ = read(fetcher.MessageQuery{CompleteBefore: msgs[14].CreatedAt, KnownFunc: everythingKnown})
	require.Equal(t, 3, pages)

	// The last complete read covered all but the newest few.
	pages, _ = read(fetcher.MessageQuery{CompleteBefore: msgs[len(msgs)-5].CreatedAt, KnownFunc: everythingKnown})
	require.Equal(t, 1, pages)
}

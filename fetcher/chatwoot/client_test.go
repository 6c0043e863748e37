package chatwoot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
)

// TestMessagesAreReadForwardAndWhole: a read goes from the first message to
// the last with after=, a hundred a page (each full one's ids checked with
// one request more), and its last page says it may reconcile.
func TestMessagesAreReadForwardAndWhole(t *testing.T) {
	t.Parallel()
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	conv := ws.AddConversation("Ann", "first")
	for i := range 149 {
		ws.AddMessage(conv, "message", i%2, false)
	}
	server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "t"})
	t.Cleanup(server.Close)
	client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)

	var ids []string
	q := fetcher.MessageQuery{ConversationID: "1"}
	var last *fetcher.MessagePage
	for {
		page, err := client.ListMessages(context.Background(), q)
		require.NoError(t, err)
		for _, m := range page.Batch.Messages {
			ids = append(ids, m.ID)
		}
		if page.NextCursor == "" {
			last = page
			break
		}
		q.Cursor = page.NextCursor
	}
	var want []string
	for _, m := range ws.Snapshot().Conversations[0].Messages {
		want = append(want, strconv.Itoa(m.ID))
	}
	require.Equal(t, want, ids, "every message once, oldest first")
	require.Equal(t, 3, server.Stats().Requests["conversations.messages"], "150 messages: two pages, and a check of the ids the full one passed")
	from, ok := last.Reconciles()
	require.True(t, ok)
	require.Zero(t, from, "the whole history")
}

func TestMessageCursor(t *testing.T) {
	t.Parallel()
	for _, c := range []messageCursor{{}, {After: 42}, {After: 7, Unordered: true}} {
		got, err := parseMessageCursor(c.String())
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
	for _, bad := range []string{"before:3", "after:", "after:-1", "after:x"} {
		_, err := parseMessageCursor(bad)
		require.Error(t, err, bad)
	}
}

// TestAnAnswerWithoutMessagesIsNoRead: a 200 whose body holds no list of
// messages fails the read instead of reading as an empty conversation,
// which would take every message for deleted.
func TestAnAnswerWithoutMessagesIsNoRead(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `null`, `{"payload":null}`, `{"error":"Resource could not be found"}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		client, err := NewClient(Config{BaseURL: srv.URL, Token: "t", AccountID: "1"})
		require.NoError(t, err)
		page, err := client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: "1"})
		require.Error(t, err, body)
		require.Nil(t, page, body)
	}
}

// TestAFullPageWithoutIDsReconcilesNothing: a full page none of whose ids
// can be read ends the read, since there is no next page to ask for, and
// takes nothing for deleted: the messages after it were never seen.
func TestAFullPageWithoutIDsReconcilesNothing(t *testing.T) {
	t.Parallel()
	var items []string
	for i := range 100 {
		items = append(items, fmt.Sprintf(`{"id":"m%d","content":"hi","message_type":0,"created_at":1700000000,"conversation_id":1}`, i))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"payload":[`+strings.Join(items, ",")+`]}`)
	}))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{BaseURL: srv.URL, Token: "t", AccountID: "1"})
	require.NoError(t, err)
	page, err := client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: "1"})
	require.NoError(t, err)
	require.Empty(t, page.NextCursor)
	_, ok := page.Reconciles()
	require.False(t, ok)
}

// TestMessagesWhoseIDsAndTimesDisagree: Chatwoot orders an after= page by
// creation and filters it by id. When a message's id and creation time
// disagree across a page's end (two created at once), the highest id of a
// full page is no safe start for the next: the read checks the ids it
// passed with one after=…&before=… request, which finds the message, and
// it still reconciles.
func TestMessagesWhoseIDsAndTimesDisagree(t *testing.T) {
	t.Parallel()
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	conv := ws.AddConversation("Ann", "first")
	for i := range 149 {
		ws.AddMessage(conv, "message", i%2, false)
	}
	msgs := ws.Snapshot().Conversations[0].Messages
	late := msgs[99] // the hundredth by id: created just after the hundred-and-first
	ws.SetMessageCreatedAt(late.ID, msgs[100].CreatedAt.Add(time.Second))
	server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "t"})
	t.Cleanup(server.Close)
	client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)

	seen := map[string]bool{}
	q := fetcher.MessageQuery{ConversationID: "1"}
	var last *fetcher.MessagePage
	for {
		page, err := client.ListMessages(t.Context(), q)
		require.NoError(t, err)
		for _, m := range page.Batch.Messages {
			seen[m.ID] = true
		}
		if page.NextCursor == "" {
			last = page
			break
		}
		q.Cursor = page.NextCursor
	}
	require.True(t, seen[strconv.Itoa(late.ID)], "the message created out of id order")
	require.Len(t, seen, len(msgs))
	_, ok := last.Reconciles()
	require.True(t, ok, "every id was checked: the read may take what it did not see for deleted")
}

// TestARangeTheServerWillNotServeIsNotVouchedFor: a Chatwoot that ignores
// before= next to after= answers the check with an after= page; the read
// then goes on to the end, but takes nothing for deleted.
func TestARangeTheServerWillNotServeIsNotVouchedFor(t *testing.T) {
	t.Parallel()
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	conv := ws.AddConversation("Ann", "first")
	for range 149 {
		ws.AddMessage(conv, "message", 0, false)
	}
	server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "t"})
	t.Cleanup(server.Close)
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("before")
		r.URL.RawQuery = q.Encode()
		server.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(old.Close)
	client, err := NewClient(Config{BaseURL: old.URL, Token: "t", AccountID: "1"})
	require.NoError(t, err)
	q := fetcher.MessageQuery{ConversationID: "1"}
	n := 0
	for {
		page, err := client.ListMessages(t.Context(), q)
		require.NoError(t, err)
		n += len(page.Batch.Messages)
		if page.NextCursor == "" {
			_, ok := page.Reconciles()
			require.False(t, ok)
			break
		}
		q.Cursor = page.NextCursor
	}
	require.Equal(t, 150, n)
}

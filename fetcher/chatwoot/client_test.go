package chatwoot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

// longConversation is a workspace whose conversation 1 has n messages, and
// a fake Chatwoot serving it.
func longConversation(t *testing.T, n int) (*chatwoottest.Workspace, *chatwoottest.Server) {
	t.Helper()
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	conv := ws.AddConversation("Ann", "first")
	for i := range n - 1 {
		ws.AddMessage(conv, "message", i%2, false)
	}
	server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "t"})
	t.Cleanup(server.Close)
	return ws, server
}

// readWhole reads conversation id's messages page after page, as the jobs
// do, and returns their ids in order and the last page.
func readWhole(t *testing.T, client *Client, id string) ([]string, *fetcher.MessagePage) {
	t.Helper()
	return readFrom(t, client, id, "")
}

// readFrom is readWhole from a cursor.
func readFrom(t *testing.T, client *Client, id, cursor string) ([]string, *fetcher.MessagePage) {
	t.Helper()
	var ids []string
	q := fetcher.MessageQuery{ConversationID: id, Cursor: cursor}
	for {
		page, err := client.ListMessages(t.Context(), q)
		require.NoError(t, err)
		for _, m := range page.Batch.Messages {
			ids = append(ids, m.ID)
		}
		if page.NextCursor == "" {
			return ids, page
		}
		q.Cursor = page.NextCursor
	}
}

// TestMessagesAreReadForwardAndWhole: a read goes from the first message to
// the last with after=, a hundred a page (each full one's ids checked with
// one request more), and its last page says it may reconcile.
func TestMessagesAreReadForwardAndWhole(t *testing.T) {
	t.Parallel()
	ws, server := longConversation(t, 150)
	client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)

	ids, last := readWhole(t, client, "1")
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
		client, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, body), Token: "t", AccountID: "1"})
		require.NoError(t, err)
		page, err := client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: "1"})
		require.Error(t, err, body)
		require.Nil(t, page, body)
	}
	public, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, `null`), InboxIdentifier: "in", ContactIdentifier: "ct"})
	require.NoError(t, err)
	page, err := public.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: "1"})
	require.Error(t, err, "the public API's answer is a list, never null")
	require.Nil(t, page)
}

// TestAnAnswerWithoutConversationsIsNoListing: a 200 whose body holds no
// list of conversations fails the listing instead of ending it (a backfill
// would stop there), and the public API's get, which lists the contact's
// conversations, takes none for deleted unless a list says so: one listed
// but unreadable goes back to quarantine.
func TestAnAnswerWithoutConversationsIsNoListing(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `null`, `{"data":{}}`, `{"data":{"payload":null}}`, `{"error":"Resource could not be found"}`} {
		client, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, body), Token: "t", AccountID: "1"})
		require.NoError(t, err)
		page, err := client.ListConversations(t.Context(), fetcher.ConversationQuery{})
		require.Error(t, err, body)
		require.Nil(t, page, body)
	}
	for body, quarantined := range map[string]bool{`null`: false, `[{"id":1,"status":"open","created_at":"yesterday"}]`: true} {
		public, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, body), InboxIdentifier: "in", ContactIdentifier: "ct"})
		require.NoError(t, err)
		page, err := public.GetConversation(t.Context(), "1")
		require.False(t, fetcher.IsNotFound(err), body)
		if quarantined {
			require.NoError(t, err)
			require.Len(t, page.Batch.Quarantined, 1)
		} else {
			require.Error(t, err, body)
		}
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
	client, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, `{"payload":[`+strings.Join(items, ",")+`]}`), Token: "t", AccountID: "1"})
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
	ws, server := longConversation(t, 150)
	msgs := ws.Snapshot().Conversations[0].Messages
	late := msgs[99] // the hundredth by id: created just after the hundred-and-first
	ws.SetMessageCreatedAt(late.ID, msgs[100].CreatedAt.Add(time.Second))
	client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)

	ids, last := readWhole(t, client, "1")
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
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
	_, server := longConversation(t, 150)
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("before")
		r.URL.RawQuery = q.Encode()
		server.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(old.Close)
	client, err := NewClient(Config{BaseURL: old.URL, Token: "t", AccountID: "1"})
	require.NoError(t, err)
	ids, last := readWhole(t, client, "1")
	_, ok := last.Reconciles()
	require.False(t, ok)
	require.Len(t, ids, 150)
}

// conversations is a workspace of n conversations and a fake Chatwoot
// serving it with opts.
func conversations(t *testing.T, n int, opts chatwoottest.Options) (*chatwoottest.Workspace, *chatwoottest.Server, *Client) {
	t.Helper()
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := range n {
		ws.AddConversation(fmt.Sprintf("Contact %d", i), "hello")
	}
	opts.Token = "t"
	server := chatwoottest.NewServer(ws, opts)
	t.Cleanup(server.Close)
	client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)
	return ws, server, client
}

// backfill walks the backfill listing as the jobs do, calling between after
// each page (numbered from 1), and returns the ids it listed.
func backfill(t *testing.T, client *Client, between func(page int)) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	q := fetcher.ConversationQuery{}
	for n := 1; ; n++ {
		page, err := client.ListConversations(t.Context(), q)
		require.NoError(t, err)
		for _, c := range page.Batch.Conversations {
			seen[c.ID] = true
		}
		if page.NextCursor == "" {
			return seen
		}
		require.NotEqual(t, q.Cursor, page.NextCursor)
		q.Cursor = page.NextCursor
		between(n)
	}
}

// requireListed checks that the backfill listed every conversation ws
// still has.
func requireListed(t *testing.T, ws *chatwoottest.Workspace, seen map[string]bool) {
	t.Helper()
	for _, c := range ws.Snapshot().Conversations {
		require.True(t, seen[strconv.Itoa(c.ID)], "conversation %d was not listed", c.ID)
	}
}

// TestADeletionBeforeTheLastPageGoesBack: 45 conversations, 25 a page.
// Deleting the third after page 1 slides the 26th back onto page 1, and
// page 2 is then short (19): the shift in all_count must still send the
// walk back, though the page is the last.
func TestADeletionBeforeTheLastPageGoesBack(t *testing.T) {
	t.Parallel()
	ws, _, client := conversations(t, 45, chatwoottest.Options{})
	seen := backfill(t, client, func(page int) {
		if page == 1 {
			ws.DeleteConversation(3)
		}
	})
	require.Len(t, ws.Snapshot().Conversations, 44)
	requireListed(t, ws, seen)
}

// TestASmallerPageSizeIsLearned: a self-hosted Chatwoot that sets
// CONVERSATION_RESULTS_PER_PAGE to 20 is read to its end, one request a
// page, and going back after a deletion counts in its pages.
func TestASmallerPageSizeIsLearned(t *testing.T) {
	t.Parallel()
	t.Run("Whole", func(t *testing.T) {
		t.Parallel()
		ws, server, client := conversations(t, 100, chatwoottest.Options{ConversationsPerPage: 20})
		seen := backfill(t, client, func(int) {})
		require.Len(t, seen, 100)
		requireListed(t, ws, seen)
		require.Equal(t, 5, server.Stats().Requests["conversations.list"], "the fifth page reaches all_count")
	})
	t.Run("ADeletionGoesBackAPageOfTwenty", func(t *testing.T) {
		t.Parallel()
		// Pages 1 and 2 read, then the third deleted: the 41st slides
		// back onto page 2, and page 3 holds 4.
		ws, _, client := conversations(t, 45, chatwoottest.Options{ConversationsPerPage: 20})
		seen := backfill(t, client, func(page int) {
			if page == 2 {
				ws.DeleteConversation(3)
			}
		})
		requireListed(t, ws, seen)
	})
}

// TestAServerThatIgnoresAfterReconcilesNothing: a Chatwoot from before
// after= answers every after= with its latest 20 messages. The read must
// notice, read the whole history back with before=, and take nothing for
// deleted, whether it starts at the first message or midway.
func TestAServerThatIgnoresAfterReconcilesNothing(t *testing.T) {
	t.Parallel()
	ws, _ := longConversation(t, 150)
	msgs := ws.Snapshot().Conversations[0].Messages
	old := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "t", MessagesIgnoreAfter: true})
	t.Cleanup(old.Close)
	client, err := NewClient(Config{BaseURL: old.URL(), Token: "t", AccountID: "1"})
	require.NoError(t, err)
	var want []string
	for _, m := range msgs {
		want = append(want, strconv.Itoa(m.ID))
	}
	for _, cursor := range []string{
		"",
		messageCursor{After: int64(msgs[99].ID)}.String(),  // the latest 20 are all above it
		messageCursor{After: int64(msgs[139].ID)}.String(), // the latest 20 reach below it
	} {
		ids, last := readFrom(t, client, "1", cursor)
		require.ElementsMatch(t, want, ids, "from %q: the whole history, each message once", cursor)
		_, ok := last.Reconciles()
		require.False(t, ok, "from %q: nothing is taken for deleted", cursor)
	}
}

// TestAModernServerPaysOneRequestForTwentyMessages: the check for a server
// that ignores after= costs a request only when a read's last page holds
// exactly 20 messages, and the read then still reconciles.
func TestAModernServerPaysOneRequestForTwentyMessages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ messages, requests int }{{19, 1}, {20, 2}, {21, 1}, {100, 3}, {120, 4}} {
		t.Run(strconv.Itoa(c.messages), func(t *testing.T) {
			t.Parallel()
			_, server := longConversation(t, c.messages)
			client, err := NewClient(Config{BaseURL: server.URL(), Token: "t", AccountID: "1"})
			require.NoError(t, err)
			ids, last := readWhole(t, client, "1")
			require.Len(t, ids, c.messages)
			_, ok := last.Reconciles()
			require.True(t, ok)
			require.Equal(t, c.requests, server.Stats().Requests["conversations.messages"])
		})
	}
}

// TestAWindowTooLargeToReadIsPaged: updated_within answers every
// conversation updated in its window on one page, whatever its size. After a
// long outage that answer can exceed the largest body syncer reads, or take
// longer than a request may (or than a gateway in front of Chatwoot waits),
// and every pass would fail on it for good: the pass lists the account page
// by page instead, and lists every conversation once.
func TestAWindowTooLargeToReadIsPaged(t *testing.T) {
	t.Parallel()
	window := url.Values{"status": {"all"}, "assignee_type": {"all"}, "updated_within": {"999999999"}}

	t.Run("LargerThanSyncerReads", func(t *testing.T) {
		t.Parallel()
		ws, server, _ := conversations(t, 60, chatwoottest.Options{})
		bodyOf := func(q url.Values) int {
			r := fakeapitest.Get(t, server.URL()+"/api/v1/accounts/1/conversations", q, http.Header{"api_access_token": {"t"}})
			require.Equal(t, http.StatusOK, r.Status)
			return len(r.Raw)
		}
		whole := bodyOf(window)
		page := bodyOf(url.Values{"status": {"all"}, "assignee_type": {"all"}, "sort_by": {"created_at_asc"}, "page": {"1"}})
		require.Less(t, page, whole/2, "a page holds 25 of the 60")
		requireListedOnceSince2020(t, ws, server.URL(), fetcher.Config{MaxBodyBytes: int64(page + whole/4)})
	})

	for name, refuse := range map[string]func(w http.ResponseWriter, r *http.Request){
		"TooSlowToCome": func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		"BodyTooSlowToCome": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"data":{"meta":{"all_count":60},"payload":[`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		},
		"GatewayGivesUp": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGatewayTimeout) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ws, server, _ := conversations(t, 60, chatwoottest.Options{})
			var windows atomic.Int64
			proxy := fakeapitest.Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Has("updated_within") {
					windows.Add(1)
					refuse(w, r)
					return
				}
				server.Handler().ServeHTTP(w, r)
			})))
			requireListedOnceSince2020(t, ws, proxy.URL, fetcher.Config{Timeout: 2 * time.Second})
			// Paging is its fallback: asking again would only wait as long
			// again (and take a slow API for an unreachable one).
			require.EqualValues(t, 1, windows.Load(), "the window is asked for once")
		})
	}
}

// TestAPassingFaultOfTheWindowIsRetried: a 502 of the updated_within
// request is a passing fault, not an answer too large: the window is asked
// for again, with the client's retries, rather than paging the account.
func TestAPassingFaultOfTheWindowIsRetried(t *testing.T) {
	t.Parallel()
	ws, server, _ := conversations(t, 60, chatwoottest.Options{})
	var windows, pages atomic.Int64
	proxy := fakeapitest.Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !r.URL.Query().Has("updated_within"):
			pages.Add(1)
		case windows.Add(1) <= 2:
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		server.Handler().ServeHTTP(w, r)
	})))
	requireListedOnceSince2020(t, ws, proxy.URL, fetcher.Config{})
	require.EqualValues(t, 3, windows.Load())
	require.Zero(t, pages.Load(), "no page of the account")
}

// requireListedOnceSince2020 lists ws's conversations updated since 2020
// from baseURL, with httpCfg, and requires each of them listed once.
func requireListedOnceSince2020(t *testing.T, ws *chatwoottest.Workspace, baseURL string, httpCfg fetcher.Config) {
	t.Helper()
	client, err := NewClient(Config{BaseURL: baseURL, Token: "t", AccountID: "1", HTTP: httpCfg})
	require.NoError(t, err)
	seen := map[string]int{}
	q := fetcher.ConversationQuery{ModifiedSince: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	for range 10 {
		got, err := client.ListConversations(t.Context(), q)
		require.NoError(t, err)
		for _, c := range got.Batch.Conversations {
			seen[c.ID]++
		}
		if got.NextCursor == "" {
			break
		}
		q.Cursor = got.NextCursor
	}
	require.Len(t, seen, len(ws.Snapshot().Conversations))
	for id, n := range seen {
		require.Equal(t, 1, n, id)
	}
}

// TestADeletionWithinAPageRequestGoesBackFarEnough: Chatwoot counts
// (all_count) before it reads the page, so a deletion between the two
// shifts page 2 without its count showing it: the 26th conversation slides
// onto page 1, already read. Only page 3's count shows the drop, and the
// walk must go back to page 1, a page further than the shift spans.
func TestADeletionWithinAPageRequestGoesBackFarEnough(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		live     []int
		requests int
	)
	for id := 1; id <= 60; id++ {
		live = append(live, id)
	}
	srv := fakeapitest.Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		count := len(live)
		if requests == 2 {
			live = slices.Delete(live, 2, 3) // the third, once page 2 is counted
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		payload := []map[string]any{}
		for _, id := range live[min((page-1)*25, len(live)):min(page*25, len(live))] {
			payload = append(payload, map[string]any{"id": id, "status": "open", "created_at": 1700000000 + id, "updated_at": 1700000000 + id})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"meta": map[string]any{"all_count": count}, "payload": payload}})
	})))
	client, err := NewClient(Config{BaseURL: srv.URL, Token: "t", AccountID: "1"})
	require.NoError(t, err)
	seen := map[string]bool{}
	for q := (fetcher.ConversationQuery{}); ; {
		page, err := client.ListConversations(t.Context(), q)
		require.NoError(t, err)
		for _, c := range page.Batch.Conversations {
			seen[c.ID] = true
		}
		if q.Cursor = page.NextCursor; q.Cursor == "" {
			break
		}
	}
	for _, id := range live {
		require.True(t, seen[strconv.Itoa(id)], "conversation %d was not listed", id)
	}
}

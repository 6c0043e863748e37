package chatwoottest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

const testToken = "test-token"

func generated(conversations, messages int) *Workspace {
	return Generate(GenerateConfig{Seed: 42, Conversations: conversations, MessagesPerConversation: messages, Start: fakeapitest.Start()})
}

// testBundle is an account and a server for it that wants testToken.
type testBundle struct {
	fakeapitest.Bundle[*Workspace, *Server]
}

func setup(t *testing.T, ws *Workspace, opts Options) *testBundle {
	opts.Token = cmp.Or(opts.Token, testToken)
	return &testBundle{fakeapitest.NewBundle(t, ws, NewServer(ws, opts))}
}

// response is an answer and, when it is JSON, its body, decoded with
// UseNumber so that integers and floats stay apart.
type response = fakeapitest.JSONResponse

// call sends a GET with the given api_access_token ("" sends none).
func (b *testBundle) call(t *testing.T, token, path string, q url.Values) response {
	t.Helper()
	r := fakeapitest.Get(t, b.Srv.URL()+path, q, fakeapitest.Credential("api_access_token", "", token))
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return response{Response: r} // rate limits and proxies answer in text or HTML
	}
	return fakeapitest.DecodeJSON(t, r, true)
}

func (b *testBundle) get(t *testing.T, path string, q url.Values) response {
	t.Helper()
	r := b.call(t, testToken, path, q)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	return r
}

func accountPath(ws *Workspace, rest string) string {
	return "/api/v1/accounts/" + strconv.Itoa(ws.AccountID()) + rest
}

// listPage fetches one conversations page and returns its payload.
func (b *testBundle) listPage(t *testing.T, q url.Values) []map[string]any {
	t.Helper()
	return fakeapitest.ToMaps(b.get(t, accountPath(b.WS, "/conversations"), q).Object()["data"].(map[string]any)["payload"])
}

// walkConversations pages with q until a short page, checking that every
// page but the last is full.
func (b *testBundle) walkConversations(t *testing.T, q url.Values) []map[string]any {
	t.Helper()
	q = fakeapitest.CloneValues(q)
	var all []map[string]any
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		items := b.listPage(t, q)
		require.LessOrEqual(t, len(items), 25)
		all = append(all, items...)
		if len(items) < 25 {
			return all
		}
	}
}

func num(t *testing.T, v any) int {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "%v (%T) is not a number", v, v)
	require.NotContains(t, n.String(), ".", "expected an integer")
	i, err := strconv.Atoi(n.String())
	require.NoError(t, err)
	return i
}

func ids(t *testing.T, items []map[string]any) []int {
	t.Helper()
	out := []int{}
	for _, it := range items {
		out = append(out, num(t, it["id"]))
	}
	return out
}

func unixTime(t *testing.T, v any) time.Time {
	t.Helper()
	return time.Unix(int64(num(t, v)), 0).UTC()
}

// floatTime decodes updated_at exactly: unix seconds with up to 6 decimals.
func floatTime(t *testing.T, v any) time.Time {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "%v (%T) is not a number", v, v)
	sec, frac, ok := strings.Cut(n.String(), ".")
	require.True(t, ok, "updated_at %s is not a float", n)
	require.LessOrEqual(t, len(frac), 6)
	s, err := strconv.ParseInt(sec, 10, 64)
	require.NoError(t, err)
	us, err := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	require.NoError(t, err)
	return time.Unix(s, us*1000).UTC()
}

func snapIDs(cs []SnapConversation) []int {
	out := []int{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func findConv(snap Snapshot, id int) SnapConversation {
	for _, c := range snap.Conversations {
		if c.ID == id {
			return c
		}
	}
	return SnapConversation{}
}

func TestListConversations(t *testing.T) {
	t.Parallel()

	t.Run("DefaultStatusIsOpen", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(260, 1), Options{})
		var open []int
		for _, c := range b.WS.Snapshot().Conversations {
			if c.Status == "open" {
				open = append(open, c.ID)
			}
		}
		require.NotEmpty(t, open)
		require.Less(t, len(open), 260)

		r := b.get(t, accountPath(b.WS, "/conversations"), nil)
		meta := r.Object()["data"].(map[string]any)["meta"].(map[string]any)
		require.Equal(t, len(open), num(t, meta["all_count"]))
		items := b.walkConversations(t, url.Values{"sort_by": {"created_at_asc"}})
		for _, it := range items {
			require.Equal(t, "open", it["status"])
		}
		require.Equal(t, open, ids(t, items))
	})

	t.Run("StatusAllPagesCoverEveryConversationOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(130, 1), Options{}) // 5 full pages and a short one
		q := url.Values{"status": {"all"}, "sort_by": {"created_at_asc"}}
		items := b.walkConversations(t, q)
		require.Len(t, items, 130)
		require.Equal(t, snapIDs(b.WS.Snapshot().Conversations), ids(t, items))

		q.Set("page", "7") // past the end
		require.Empty(t, b.listPage(t, q))

		q.Set("sort_by", "created_at_desc")
		desc := b.walkConversations(t, q)
		want := ids(t, items)
		slices.Reverse(want)
		require.Equal(t, want, ids(t, desc))
	})

	t.Run("ConversationsPerPageSetsThePageSize", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(50, 1), Options{ConversationsPerPage: 20})
		q := url.Values{"status": {"all"}, "sort_by": {"created_at_asc"}}
		var got []int
		for page, want := range []int{20, 20, 10, 0} {
			q.Set("page", strconv.Itoa(page+1))
			items := b.listPage(t, q)
			require.Len(t, items, want, "page %d", page+1)
			got = append(got, ids(t, items)...)
		}
		require.Equal(t, snapIDs(b.WS.Snapshot().Conversations), got)
	})

	t.Run("DefaultSortIsLastActivityDescending", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(80, 2), Options{})
		items := b.walkConversations(t, url.Values{"status": {"all"}})
		require.Len(t, items, 80)
		var last []int
		for _, it := range items {
			last = append(last, num(t, it["last_activity_at"]))
		}
		require.True(t, slices.IsSortedFunc(last, func(a, b int) int { return b - a }))
	})

	t.Run("UpdatedWithinReturnsTheWindowUnpaginated", func(t *testing.T) {
		t.Parallel()
		ws := generated(120, 2)
		b := setup(t, ws, Options{})
		// 40 changes, about 1.5 s of workspace time apart.
		for id := 1; id <= 40; id++ {
			switch id % 4 {
			case 0:
				ws.AddMessage(id, "ping "+strconv.Itoa(id), msgIncoming, false)
			case 1:
				ws.SetStatus(id, "pending")
			case 2:
				ws.AddMessage(id, "note", msgOutgoing, true)
			default:
				if snap := findConv(ws.Snapshot(), id); len(snap.Messages) > 0 {
					ws.EditMessage(snap.Messages[0].ID, "edited")
				} else {
					ws.AddMessage(id, "first", msgIncoming, false)
				}
			}
		}
		now := ws.Now()
		snap := ws.Snapshot()
		for _, seconds := range []int{0, 1, 7, 30, 3600, 400 * 24 * 3600} {
			var want []int
			for _, c := range snap.Conversations {
				if c.UpdatedAt.After(now.Add(-time.Duration(seconds) * time.Second)) {
					want = append(want, c.ID)
				}
			}
			// page is ignored: every match comes back at once.
			items := b.listPage(t, url.Values{"status": {"all"}, "updated_within": {strconv.Itoa(seconds)}, "page": {"3"}})
			require.ElementsMatch(t, want, ids(t, items), "updated_within=%d", seconds)
			if seconds == 3600 {
				require.Greater(t, len(items), 25)
			}
		}
		// The status filter still applies, with its default.
		for _, it := range b.listPage(t, url.Values{"updated_within": {"3600"}}) {
			require.Equal(t, "open", it["status"])
		}
	})

	t.Run("UnknownAccountIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(3, 0), Options{})
		r := b.call(t, testToken, "/api/v1/accounts/999/conversations", nil)
		require.Equal(t, http.StatusNotFound, r.Status)
		require.Equal(t, map[string]any{"error": "Resource could not be found"}, r.Body)
	})

	t.Run("TimestampsAndTypes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(30, 4), Options{})
		items := b.listPage(t, url.Values{"status": {"all"}})
		require.NotEmpty(t, items)
		for _, it := range items {
			require.Contains(t, it["updated_at"].(json.Number).String(), ".", "updated_at is a float")
			for _, k := range []string{"created_at", "last_activity_at", "timestamp", "agent_last_seen_at", "contact_last_seen_at"} {
				num(t, it[k]) // integers
			}
			require.NotContains(t, it, "applied_sla", "not an Enterprise account")
			for _, m := range fakeapitest.ToMaps(it["messages"]) {
				num(t, m["message_type"])
			}
		}
	})
}

func TestGetConversation(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(20, 3), Options{})
	r := b.get(t, accountPath(b.WS, "/conversations/3"), nil)
	require.Equal(t, 3, num(t, r.Object()["id"]))
	msgs := fakeapitest.ToMaps(r.Object()["messages"])
	require.Len(t, msgs, 1, "only the last message is embedded")
	snap := findConv(b.WS.Snapshot(), 3)
	require.Equal(t, snap.Messages[len(snap.Messages)-1].ID, num(t, msgs[0]["id"]))

	b.WS.DeleteConversation(3)
	for _, path := range []string{"/conversations/3", "/conversations/3/messages", "/conversations/999"} {
		r = b.call(t, testToken, accountPath(b.WS, path), nil)
		require.Equal(t, http.StatusNotFound, r.Status, path)
		require.Equal(t, "Resource could not be found", r.Object()["error"])
	}
	require.NotContains(t, ids(t, b.walkConversations(t, url.Values{"status": {"all"}})), 3)
}

func TestMessages(t *testing.T) {
	t.Parallel()

	t.Run("CursorsWalkALongConversation", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(60, 5), Options{})
		var long SnapConversation
		for _, c := range b.WS.Snapshot().Conversations {
			if len(c.Messages) > len(long.Messages) {
				long = c
			}
		}
		require.Greater(t, len(long.Messages), 120)
		var want []int
		for _, m := range long.Messages {
			want = append(want, m.ID)
		}
		path := accountPath(b.WS, "/conversations/"+strconv.Itoa(long.ID)+"/messages")
		page := func(q url.Values) []int { return ids(t, fakeapitest.ToMaps(b.get(t, path, q).Object()["payload"])) }

		// No parameters: the latest 20, ascending.
		latest := page(nil)
		require.Equal(t, want[len(want)-20:], latest)

		// before=: the 20 immediately older, until none are left.
		got := latest
		for {
			older := page(url.Values{"before": {strconv.Itoa(got[0])}})
			require.LessOrEqual(t, len(older), 20)
			if len(older) == 0 {
				break
			}
			require.True(t, slices.IsSorted(older))
			require.Less(t, older[len(older)-1], got[0])
			got = append(older, got...)
		}
		require.Equal(t, want, got)
		require.Equal(t, want[len(want)-40:len(want)-20], page(url.Values{"before": {strconv.Itoa(latest[0])}}))

		// after=: up to 100 newer, until none are left.
		got = nil
		for cursor := 0; ; {
			newer := page(url.Values{"after": {strconv.Itoa(cursor)}})
			require.LessOrEqual(t, len(newer), 100)
			if len(newer) == 0 {
				break
			}
			if got == nil {
				require.Len(t, newer, 100)
			}
			got = append(got, newer...)
			cursor = newer[len(newer)-1]
		}
		require.Equal(t, want, got)
	})

	t.Run("IgnoreAfterServesTheLatest", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(1, fakeapitest.Start())
		conv := ws.AddConversation("Ann", "first")
		for range 49 {
			ws.AddMessage(conv, "more", msgOutgoing, false)
		}
		var want []int
		for _, m := range findConv(ws.Snapshot(), conv).Messages {
			want = append(want, m.ID)
		}
		b := setup(t, ws, Options{MessagesIgnoreAfter: true})
		path := accountPath(ws, "/conversations/"+strconv.Itoa(conv)+"/messages")
		page := func(q url.Values) []int { return ids(t, fakeapitest.ToMaps(b.get(t, path, q).Object()["payload"])) }

		require.Equal(t, want[30:], page(url.Values{"after": {"0"}}), "after= alone: the latest 20")
		require.Equal(t, want[30:], page(url.Values{"after": {strconv.Itoa(want[45])}}))
		require.Equal(t, want[10:30], page(url.Values{"before": {strconv.Itoa(want[30])}}), "before= as ever")
		require.Equal(t, want[:10], page(url.Values{"after": {strconv.Itoa(want[5])}, "before": {strconv.Itoa(want[10])}}),
			"after= next to before=: before= alone")
	})

	t.Run("DeletedMessageKeepsItsRow", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(7, fakeapitest.Start())
		conv := ws.AddConversation("Ada Lovelace", "Hello")
		gone := ws.AddMessage(conv, "secret", msgOutgoing, false)
		ws.DeleteMessage(gone)
		b := setup(t, ws, Options{})

		payload := fakeapitest.ToMaps(b.get(t, accountPath(ws, "/conversations/"+strconv.Itoa(conv)+"/messages"), nil).Object()["payload"])
		require.Len(t, payload, 2)
		m := payload[1]
		require.Equal(t, gone, num(t, m["id"]))
		require.Equal(t, "This message was deleted", m["content"])
		require.Equal(t, "text", m["content_type"])
		require.Equal(t, map[string]any{"deleted": true}, m["content_attributes"])
		require.NotContains(t, m, "attachments")
		require.Equal(t, 1, num(t, m["message_type"]))
		require.Equal(t, "user", m["sender"].(map[string]any)["type"])

		sm := findConv(ws.Snapshot(), conv).Messages[1]
		require.True(t, sm.Deleted)
		require.Equal(t, "This message was deleted", *sm.Content)
	})

	t.Run("MessageTypeIsAnInteger", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(1, fakeapitest.Start())
		conv := ws.AddConversation("Grace Hopper", "Hi")
		ws.AddMessage(conv, "note", msgOutgoing, true)
		ws.AddMessage(conv, "Pick one", msgTemplate, false)
		ws.SetStatus(conv, "resolved")
		b := setup(t, ws, Options{})
		r := b.get(t, accountPath(ws, "/conversations/"+strconv.Itoa(conv)+"/messages"), nil)
		var types []int
		for _, m := range fakeapitest.ToMaps(r.Object()["payload"]) {
			types = append(types, num(t, m["message_type"]))
		}
		require.Equal(t, []int{0, 1, 3, 2}, types)
		require.Contains(t, string(r.Raw), `"message_type":2`)
		last := fakeapitest.ToMaps(r.Object()["payload"])[3]
		require.Equal(t, "Conversation was marked resolved by Alice Anderson", last["content"])
		require.NotContains(t, last, "sender", "activity messages have no sender")
	})
}

func TestContactsAndAgents(t *testing.T) {
	t.Parallel()
	ws := generated(120, 1)
	b := setup(t, ws, Options{})
	snap := ws.Snapshot()

	var got []SnapContact
	for page := 1; ; page++ {
		r := b.get(t, accountPath(ws, "/contacts"), url.Values{"page": {strconv.Itoa(page)}})
		meta := r.Object()["meta"].(map[string]any)
		require.Equal(t, len(snap.Contacts), num(t, meta["count"]))
		require.Equal(t, strconv.Itoa(page), meta["current_page"], "echoed as given: a string")
		items := fakeapitest.ToMaps(r.Object()["payload"])
		require.LessOrEqual(t, len(items), 15)
		for _, it := range items {
			got = append(got, SnapContact{ID: num(t, it["id"]), Name: str(it, "name"), Email: str(it, "email"), PhoneNumber: str(it, "phone_number")})
		}
		if len(items) < 15 {
			break
		}
	}
	require.Equal(t, snap.Contacts, got)
	require.Less(t, len(snap.Contacts), len(ws.contacts), "anonymous visitors are not listed")
	first := b.get(t, accountPath(ws, "/contacts"), nil).Object()["meta"].(map[string]any)
	require.Equal(t, 1, num(t, first["current_page"]), "a number when page is absent")

	agents := b.get(t, accountPath(ws, "/agents"), nil).Array()
	var gotAgents []SnapAgent
	for _, a := range agents {
		gotAgents = append(gotAgents, SnapAgent{ID: num(t, a["id"]), Name: str(a, "name"), Email: str(a, "email"), Role: str(a, "role"), AvailabilityStatus: str(a, "availability_status")})
	}
	slices.SortFunc(gotAgents, func(a, b SnapAgent) int { return a.ID - b.ID })
	require.Equal(t, snap.Agents, gotAgents)
}

func TestPublicAPI(t *testing.T) {
	t.Parallel()
	ws := generated(80, 4)
	inbox, contact, contactID := ws.PublicIdentifiers()
	require.NotEmpty(t, inbox)
	require.NotEmpty(t, contact)
	var mine []SnapConversation
	for _, c := range ws.Snapshot().Conversations {
		if c.ContactID == contactID && c.Channel == "Channel::Api" {
			mine = append(mine, c)
		}
	}
	require.NotEmpty(t, mine)
	conv := mine[0].ID
	note := ws.AddMessage(conv, "internal: VIP", msgOutgoing, true)
	ws.SetStatus(conv, "resolved") // writes an activity message
	reply := ws.AddMessage(conv, "Done!", msgOutgoing, false)

	b := setup(t, ws, Options{InboxIdentifier: inbox, ContactIdentifier: contact, Token: testToken})
	base := "/public/api/v1/inboxes/" + inbox + "/contacts/" + contact + "/conversations"

	r := b.call(t, "", base, nil) // no token needed
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	convs := r.Array()
	require.Equal(t, snapIDs(mine), ids(t, convs))
	require.Equal(t, contactID, num(t, convs[0]["contact"].(map[string]any)["id"]))

	var want []int
	for _, m := range findConv(ws.Snapshot(), conv).Messages {
		if !m.Private && m.MessageType != msgActivity {
			want = append(want, m.ID)
		}
	}
	r = b.call(t, "", base+"/"+strconv.Itoa(conv)+"/messages", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	got := ids(t, r.Array())
	require.Equal(t, want, got)
	require.NotContains(t, got, note)
	require.Contains(t, got, reply)
	for _, m := range r.Array() {
		require.NotEqual(t, msgActivity, num(t, m["message_type"]))
	}
	embedded := ids(t, fakeapitest.ToMaps(convs[0]["messages"]))
	require.Equal(t, want, embedded)

	for _, path := range []string{
		"/public/api/v1/inboxes/nope/contacts/" + contact + "/conversations",
		"/public/api/v1/inboxes/" + inbox + "/contacts/nope/conversations",
		base + "/999999/messages",
	} {
		require.Equal(t, http.StatusNotFound, b.call(t, "", path, nil).Status, path)
	}
	disabled := setup(t, ws, Options{})
	require.Equal(t, http.StatusNotFound, disabled.call(t, "", base, nil).Status)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 0), Options{})
	for _, token := range []string{"", "wrong"} {
		r := b.call(t, token, accountPath(b.WS, "/conversations"), nil)
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.Equal(t, map[string]any{"error": "You need to sign in or sign up before continuing."}, r.Body)
	}
	b.get(t, accountPath(b.WS, "/conversations"), nil)

	// The zero Options accept any request (setup would set a token).
	open := &testBundle{fakeapitest.NewBundle(t, b.WS, NewServer(b.WS, Options{}))}
	require.Equal(t, http.StatusOK, open.call(t, "", accountPath(open.WS, "/agents"), nil).Status)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := fakeapitest.NewClock(time.Date(2025, 6, 1, 12, 0, 10, 0, time.UTC))
	b := setup(t, generated(3, 0), Options{Faults: fakeapi.Faults{RateLimit: 3, NowFunc: clock.Now}})
	path := accountPath(b.WS, "/conversations")
	for range 3 {
		b.get(t, path, nil)
	}
	clock.Set(time.Date(2025, 6, 1, 12, 0, 59, 0, time.UTC)) // same minute

	r := b.call(t, testToken, accountPath(b.WS, "/agents"), nil)
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	require.Equal(t, "text/plain", r.Header.Get("Content-Type"))
	require.Equal(t, "Retry later\n", string(r.Raw))
	require.Empty(t, r.Header.Values("Retry-After"))

	// Another client has its own budget. rack-attack counts before the app
	// authenticates, so this request is counted (and then refused).
	require.Equal(t, http.StatusUnauthorized, b.call(t, "other", path, nil).Status)

	clock.Set(time.Date(2025, 6, 1, 12, 1, 0, 0, time.UTC)) // the next window starts on the minute
	b.get(t, path, nil)

	st := b.Srv.Stats()
	require.Equal(t, 1, st.RateLimited)
	require.Equal(t, 6, st.Total)
	require.Equal(t, map[string]int{"conversations.list": 5, "agents.list": 1}, st.Requests)
	b.Srv.ResetStats()
	require.Zero(t, b.Srv.Stats().Total)
}

func TestFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 0), Options{Faults: fakeapi.Faults{FailureRate: 1}})
	path := accountPath(b.WS, "/conversations")
	r := b.call(t, testToken, path, nil)
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, map[string]any{"error": "Internal Server Error"}, r.Body)
	r = b.call(t, testToken, path, nil)
	require.Equal(t, http.StatusBadGateway, r.Status)
	require.Equal(t, "text/html", r.Header.Get("Content-Type"))
	require.Contains(t, string(r.Raw), "502 Bad Gateway")
	r = b.call(t, testToken, path, nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status)
	require.Equal(t, 3, b.Srv.Stats().Failures)
}

func TestMutations(t *testing.T) {
	t.Parallel()

	t.Run("BumpUpdatedAtAndTheClock", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(1, fakeapitest.Start())
		id := ws.AddConversation("Ada Lovelace", "Hello")
		get := func() SnapConversation { return findConv(ws.Snapshot(), id) }
		c0 := get()
		require.Equal(t, ws.Now(), c0.UpdatedAt)

		msg := ws.AddMessage(id, "We're on it", msgOutgoing, false)
		c1 := get()
		require.GreaterOrEqual(t, c1.UpdatedAt.Sub(c0.UpdatedAt), time.Second)
		require.True(t, c1.LastActivityAt.After(c0.LastActivityAt))

		ws.EditMessage(msg, "We're on it!")
		c2 := get()
		require.True(t, c2.UpdatedAt.After(c1.UpdatedAt))
		require.Equal(t, c1.LastActivityAt, c2.LastActivityAt, "edits are not activity")
		require.Equal(t, "We're on it!", *c2.Messages[1].Content)

		ws.SetStatus(id, "snoozed")
		c3 := get()
		require.Equal(t, "snoozed", c3.Status)
		require.Equal(t, msgActivity, c3.Messages[2].MessageType)
		require.Empty(t, c3.Messages[2].SenderType)

		ws.AddMessage(id, "hello again", msgIncoming, false)
		require.Equal(t, "open", get().Status, "incoming messages reopen")

		require.Zero(t, ws.AddMessage(999, "nobody", msgIncoming, false))
		ws.DeleteConversation(id)
		require.Empty(t, ws.Snapshot().Conversations)
	})

	t.Run("ResolvingSettlesTheSLA", func(t *testing.T) {
		t.Parallel()
		ws := Generate(GenerateConfig{Seed: 3, Conversations: 200, MessagesPerConversation: 3, Start: fakeapitest.Start(), Enterprise: true})
		var target SnapConversation
		for _, c := range ws.Snapshot().Conversations {
			if c.SLA != nil && c.SLA.Status == "active" && c.Status != "resolved" {
				target = c
				break
			}
		}
		require.NotZero(t, target.ID)
		ws.SetStatus(target.ID, "resolved")
		require.Equal(t, "hit", findConv(ws.Snapshot(), target.ID).SLA.Status)
	})
}

func TestGenerate(t *testing.T) {
	t.Parallel()

	t.Run("IsDeterministic", func(t *testing.T) {
		t.Parallel()
		fakeapitest.RequireDeterministic(t, func(seed int64) Snapshot {
			return Generate(GenerateConfig{Seed: seed, Conversations: 150, MessagesPerConversation: 6, Start: fakeapitest.Start()}).Snapshot()
		})
	})

	t.Run("CoversWhatClientsTripOver", func(t *testing.T) {
		t.Parallel()
		ws := Generate(GenerateConfig{Seed: 9, Conversations: 400, MessagesPerConversation: 8, Start: fakeapitest.Start(), Enterprise: true})
		snap := ws.Snapshot()
		seen := map[string]bool{}
		for _, c := range snap.Conversations {
			require.True(t, c.CreatedAt.Before(fakeapitest.Start()))
			require.True(t, c.UpdatedAt.Before(fakeapitest.Start()))
			require.False(t, c.UpdatedAt.Before(c.LastActivityAt))
			seen["status:"+c.Status] = true
			seen["priority:"+c.Priority] = true
			seen["channel:"+c.Channel] = true
			seen["long conversation"] = seen["long conversation"] || len(c.Messages) > 120
			if c.SLA != nil {
				seen["sla:"+c.SLA.Status] = true
			}
			for i, m := range c.Messages {
				require.True(t, m.CreatedAt.Before(fakeapitest.Start()))
				if i > 0 {
					require.Greater(t, m.ID, c.Messages[i-1].ID)
					require.False(t, m.CreatedAt.Before(c.Messages[i-1].CreatedAt))
				}
				seen["type:"+strconv.Itoa(m.MessageType)] = true
				seen["content_type:"+m.ContentType] = true
				seen["private"] = seen["private"] || m.Private
				seen["deleted"] = seen["deleted"] || m.Deleted
				seen["null content"] = seen["null content"] || m.Content == nil
				seen["attachments"] = seen["attachments"] || len(m.Attachments) > 0
				seen["long body"] = seen["long body"] || (m.Content != nil && len(*m.Content) > 10_000)
				seen["emoji"] = seen["emoji"] || (m.Content != nil && strings.Contains(*m.Content, "🔥"))
			}
		}
		for _, want := range []string{
			"status:open", "status:resolved", "status:pending", "status:snoozed",
			"priority:", "priority:urgent", "channel:Channel::WebWidget", "channel:Channel::Email",
			"channel:Channel::Api", "channel:Channel::Whatsapp", "long conversation",
			"sla:active", "sla:hit", "sla:missed", "sla:active_with_misses",
			"type:0", "type:1", "type:2", "type:3", "content_type:incoming_email", "content_type:input_select",
			"content_type:input_csat", "private", "deleted", "null content", "attachments", "long body", "emoji",
		} {
			require.True(t, seen[want], want)
		}
	})
}

// TestSnapshotMatchesAPI reads the whole account through the API, decoding it
// independently of the wire structs, and compares it with Snapshot.
func TestSnapshotMatchesAPI(t *testing.T) {
	t.Parallel()
	for _, enterprise := range []bool{false, true} {
		t.Run("Enterprise"+strconv.FormatBool(enterprise), func(t *testing.T) {
			t.Parallel()
			ws := Generate(GenerateConfig{Seed: 5, AccountID: 12, Conversations: 140, MessagesPerConversation: 7, Start: fakeapitest.Start(), Enterprise: enterprise})
			id := ws.AddConversation("Zoë Quinn", "Bonjour 👋")
			ws.AddMessage(id, "internal", msgOutgoing, true)
			ws.DeleteMessage(ws.AddMessage(id, "oops", msgOutgoing, false))
			ws.SetStatus(2, "snoozed")
			ws.DeleteConversation(4)
			b := setup(t, ws, Options{})
			require.Equal(t, ws.Snapshot(), readAll(t, b))
		})
	}
}

// readAll mirrors the account the way a client would.
func readAll(t *testing.T, b *testBundle) Snapshot {
	t.Helper()
	snap := Snapshot{AccountID: b.WS.AccountID()}
	for _, it := range b.walkConversations(t, url.Values{"status": {"all"}, "sort_by": {"created_at_asc"}}) {
		meta := it["meta"].(map[string]any)
		c := SnapConversation{
			ID: num(t, it["id"]), InboxID: num(t, it["inbox_id"]), Status: str(it, "status"), Priority: str(it, "priority"),
			Channel: str(meta, "channel"), ContactID: num(t, meta["sender"].(map[string]any)["id"]),
			CreatedAt: unixTime(t, it["created_at"]), UpdatedAt: floatTime(t, it["updated_at"]),
			LastActivityAt: unixTime(t, it["last_activity_at"]), Messages: []SnapMessage{},
		}
		if a, ok := meta["assignee"].(map[string]any); ok {
			c.AssigneeID = num(t, a["id"])
		}
		if tm, ok := meta["team"].(map[string]any); ok {
			c.TeamID = num(t, tm["id"])
		}
		for _, l := range it["labels"].([]any) {
			c.Labels = append(c.Labels, l.(string))
		}
		if sla, ok := it["applied_sla"].(map[string]any); ok {
			c.SLA = &SnapSLA{Name: str(sla, "sla_name"), Status: str(sla, "sla_status")}
			for _, e := range fakeapitest.ToMaps(it["sla_events"]) {
				c.SLA.Events = append(c.SLA.Events, SnapSLAEvent{EventType: str(e, "event_type"), CreatedAt: unixTime(t, e["created_at"])})
			}
		}
		c.Messages = readMessages(t, b, c.ID)
		snap.Conversations = append(snap.Conversations, c)
	}
	for page := 1; ; page++ {
		items := fakeapitest.ToMaps(b.get(t, accountPath(b.WS, "/contacts"), url.Values{"page": {strconv.Itoa(page)}}).Object()["payload"])
		for _, it := range items {
			snap.Contacts = append(snap.Contacts, SnapContact{ID: num(t, it["id"]), Name: str(it, "name"), Email: str(it, "email"), PhoneNumber: str(it, "phone_number")})
		}
		if len(items) < 15 {
			break
		}
	}
	for _, a := range b.get(t, accountPath(b.WS, "/agents"), nil).Array() {
		snap.Agents = append(snap.Agents, SnapAgent{ID: num(t, a["id"]), Name: str(a, "name"), Email: str(a, "email"), Role: str(a, "role"), AvailabilityStatus: str(a, "availability_status")})
	}
	slices.SortFunc(snap.Agents, func(a, b SnapAgent) int { return a.ID - b.ID })
	return snap
}

// readMessages walks a conversation's messages backward from the latest.
func readMessages(t *testing.T, b *testBundle, conv int) []SnapMessage {
	t.Helper()
	path := accountPath(b.WS, "/conversations/"+strconv.Itoa(conv)+"/messages")
	var q url.Values
	out := []SnapMessage{}
	for {
		items := fakeapitest.ToMaps(b.get(t, path, q).Object()["payload"])
		if len(items) == 0 {
			return out
		}
		var page []SnapMessage
		for _, it := range items {
			m := SnapMessage{
				ID: num(t, it["id"]), ContentType: str(it, "content_type"), MessageType: num(t, it["message_type"]),
				Private: it["private"].(bool), CreatedAt: unixTime(t, it["created_at"]),
				Deleted: it["content_attributes"].(map[string]any)["deleted"] == true,
			}
			if s, ok := it["content"].(string); ok {
				m.Content = &s
			}
			if s, ok := it["sender"].(map[string]any); ok {
				m.SenderType, m.SenderID = str(s, "type"), num(t, s["id"])
			}
			if atts, ok := it["attachments"].([]any); ok {
				for _, a := range fakeapitest.ToMaps(atts) {
					m.Attachments = append(m.Attachments, SnapAttachment{ID: num(t, a["id"]), FileType: str(a, "file_type"), DataURL: str(a, "data_url"), FileSize: num(t, a["file_size"])})
				}
			}
			page = append(page, m)
		}
		out = append(page, out...)
		q = url.Values{"before": {strconv.Itoa(out[0].ID)}}
	}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func TestServesWhileTheWorkspaceChanges(t *testing.T) {
	t.Parallel()
	ws := generated(60, 3)
	inbox, contact, _ := ws.PublicIdentifiers()
	b := setup(t, ws, Options{InboxIdentifier: inbox, ContactIdentifier: contact})
	fakeapitest.ReadWhileMutating(200, func(i int) {
		id := ws.AddConversation("Churn "+strconv.Itoa(i%7), "hi")
		m := ws.AddMessage(id, "reply", msgOutgoing, false)
		ws.EditMessage(m, "reply!")
		ws.SetStatus(1+i%60, "resolved")
		if i%3 == 0 {
			ws.DeleteMessage(m)
			ws.DeleteConversation(id)
		}
	}, func() {
		require.NotEmpty(t, b.walkConversations(t, url.Values{"status": {"all"}}))
		b.get(t, accountPath(ws, "/conversations/1/messages"), nil)
		b.listPage(t, url.Values{"updated_within": {"60"}})
		b.call(t, "", "/public/api/v1/inboxes/"+inbox+"/contacts/"+contact+"/conversations", nil)
	})
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(GenerateConfig{Seed: 1, Conversations: 5000, MessagesPerConversation: 10, Start: fakeapitest.Start(), Enterprise: true})
	}
}

func BenchmarkListConversations(b *testing.B) {
	ws := Generate(GenerateConfig{Seed: 1, Conversations: 5000, MessagesPerConversation: 10, Start: fakeapitest.Start()})
	srv := fakeapitest.Serve(b, NewServer(ws, Options{}))
	b.ReportAllocs()
	for b.Loop() {
		for page := 1; page <= 10; page++ {
			fakeapitest.Fetch(b, srv.URL()+"/api/v1/accounts/1/conversations?status=all&sort_by=created_at_asc&page="+strconv.Itoa(page), nil)
		}
	}
	b.ReportMetric(float64(b.N*250)/b.Elapsed().Seconds(), "conversations/s")
}

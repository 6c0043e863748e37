package chatvolttest

import (
	"cmp"
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

const testKey = "test-key"

// testBundle is an organization and a server for it that wants testKey.
type testBundle struct {
	fakeapitest.Bundle[*Workspace, *Server]
}

func setup(t *testing.T, ws *Workspace, opts Options) *testBundle {
	opts.APIKey = cmp.Or(opts.APIKey, testKey)
	return &testBundle{fakeapitest.NewBundle(t, ws, NewServer(ws, opts))}
}

func generated(conversations, messages int) *Workspace {
	return Generate(GenerateConfig{Seed: 42, Conversations: conversations, MessagesPerConversation: messages, Start: fakeapitest.Start()})
}

// response is an answer and its body: every answer is JSON.
type response = fakeapitest.JSONResponse

// do sends GET path?q with the given API key ("" sends no Authorization).
func (b *testBundle) do(t *testing.T, key, path string, q url.Values) response {
	t.Helper()
	r := fakeapitest.Get(t, b.Srv.URL()+path, q, fakeapitest.Bearer(key))
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	return fakeapitest.DecodeJSON(t, r, false)
}

func (b *testBundle) get(t *testing.T, path string, q url.Values) response {
	t.Helper()
	return b.do(t, testKey, path, q)
}

func (b *testBundle) getOK(t *testing.T, path string, q url.Values) response {
	t.Helper()
	r := b.get(t, path, q)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	return r
}

// walkCursor follows nextCursor until it is null, returning every item of
// every page in order.
func (b *testBundle) walkCursor(t *testing.T, q url.Values) []map[string]any {
	t.Helper()
	q = fakeapitest.CloneValues(q)
	var items []map[string]any
	for range 100_000 {
		page := b.getOK(t, "/conversation", q).Object()
		require.Contains(t, page, "nextCursor") // present, null on the last page
		items = append(items, fakeapitest.ToMaps(page["conversations"])...)
		next, ok := page["nextCursor"].(string)
		if !ok {
			require.Nil(t, page["nextCursor"])
			return items
		}
		q.Set("cursor", next)
	}
	t.Fatal("paging did not end")
	return nil
}

// walkWindows enumerates a plain-array listing the way a client must: ask
// for everything created up to endDate (inclusive), then move endDate to the
// oldest createdAt served, until an answer brings nothing new. Inclusive
// bounds repeat the boundary conversations, so it dedups by id; it needs no
// knowledge of the cap.
func (b *testBundle) walkWindows(t *testing.T, q url.Values) (items []map[string]any, requests int) {
	t.Helper()
	q = fakeapitest.CloneValues(q)
	seen := map[string]bool{}
	for range 100_000 {
		r := b.getOK(t, "/conversation", q)
		requests++
		page := r.Array()
		fresh := 0
		for _, it := range page {
			if id := it["id"].(string); !seen[id] {
				seen[id] = true
				items = append(items, it)
				fresh++
			}
		}
		if fresh == 0 {
			return items, requests
		}
		q.Set("endDate", page[len(page)-1]["createdAt"].(string))
	}
	t.Fatal("window walk did not end")
	return nil, 0
}

func snapIDs(cs []SnapConversation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// listOrder sorts a snapshot's conversations as the list endpoint serves
// them: createdAt descending, then id.
func listOrder(cs []SnapConversation) []SnapConversation {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b SnapConversation) int {
		if d := b.CreatedAt.Compare(a.CreatedAt); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	return cs
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// parseISO parses a timestamp and checks it has toISOString's exact shape.
func parseISO(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "timestamp %v is not a string", v)
	require.Len(t, s, len("2024-05-01T10:20:30.123Z"), s)
	require.Equal(t, byte('.'), s[19], s)
	require.Equal(t, byte('Z'), s[23], s)
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return ts
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// tiedCreatedAt returns a createdAt that several conversations share.
func tiedCreatedAt(t *testing.T, snap Snapshot) time.Time {
	t.Helper()
	n := map[time.Time]int{}
	for _, c := range snap.Conversations {
		n[c.CreatedAt]++
	}
	for _, c := range listOrder(snap.Conversations) {
		if n[c.CreatedAt] > 1 {
			return c.CreatedAt
		}
	}
	t.Fatal("no two conversations share a createdAt")
	return time.Time{}
}

func TestListCursorPaging(t *testing.T) {
	t.Parallel()

	t.Run("PagesOfSevenCoverEveryConversationOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(300, 1), Options{})
		snap := b.WS.Snapshot()
		tiedCreatedAt(t, snap) // the walk crosses ties

		items := b.walkCursor(t, url.Values{"limit": {"7"}})
		require.Equal(t, snapIDs(listOrder(snap.Conversations)), fakeapitest.IDs(items)) // in order, none twice, none missing
		for _, it := range items {
			require.NotContains(t, it, "messages")
		}
	})

	t.Run("DefaultsToTwentyAndEndsWithNullCursor", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(45, 0), Options{})
		first := b.getOK(t, "/conversation", nil).Object()
		require.Len(t, first["conversations"], DefaultLimit)
		require.IsType(t, "", first["nextCursor"])

		last := b.getOK(t, "/conversation", url.Values{"limit": {"100"}}).Object()
		require.Len(t, last["conversations"], 45)
		require.Contains(t, last, "nextCursor")
		require.Nil(t, last["nextCursor"])
	})

	t.Run("RejectsLimitOutsideOneToHundred", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(5, 0), Options{})
		for _, limit := range []string{"101", "0", "-1", "ten"} {
			r := b.get(t, "/conversation", url.Values{"limit": {limit}})
			require.Equal(t, http.StatusBadRequest, r.Status, limit)
			require.NotEmpty(t, r.Object()["error"])
		}
		b.getOK(t, "/conversation", url.Values{"limit": {"100"}})
		b.getOK(t, "/conversation", url.Values{"limit": {"1"}})
	})

	t.Run("RejectsForeignOrMalformedCursor", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(30, 0), Options{})
		next := b.getOK(t, "/conversation", url.Values{"limit": {"5"}}).Object()["nextCursor"].(string)
		for _, q := range []url.Values{
			{"cursor": {"not-a-cursor"}},
			{"cursor": {next}, "status": {"RESOLVED"}}, // other filters than it was issued for
		} {
			r := b.get(t, "/conversation", q)
			require.Equal(t, http.StatusBadRequest, r.Status)
			require.NotEmpty(t, r.Object()["error"])
		}
		b.getOK(t, "/conversation", url.Values{"cursor": {next}, "limit": {"9"}}) // the limit may change
	})

	t.Run("FiltersApplyAcrossPages", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(200, 0), Options{})
		var want []string
		for _, c := range listOrder(b.WS.Snapshot().Conversations) {
			if c.Status == "RESOLVED" && c.Channel == "whatsapp" {
				want = append(want, c.ID)
			}
		}
		require.Greater(t, len(want), 8)
		items := b.walkCursor(t, url.Values{"limit": {"4"}, "status": {"RESOLVED"}, "channel": {"whatsapp"}})
		require.Equal(t, want, fakeapitest.IDs(items))
	})

	t.Run("CursorIsStableUnderInsertsAndDeletes", func(t *testing.T) {
		t.Parallel()
		ws := generated(200, 0)
		b := setup(t, ws, Options{})
		before := listOrder(ws.Snapshot().Conversations)
		q := url.Values{"limit": {"10"}}
		seen := map[string]int{}
		deleted := map[string]bool{}
		for i := 0; ; i++ {
			page := b.getOK(t, "/conversation", q).Object()
			for _, id := range fakeapitest.IDs(fakeapitest.ToMaps(page["conversations"])) {
				seen[id]++
			}
			// Churn between pages: new conversations, and deletions both of
			// conversations already served (the cursor's own among them) and
			// of ones not served yet.
			for range 3 {
				ws.AddConversation("added mid-walk")
			}
			ws.DeleteConversation(before[i*10+9].ID)
			if j := i*10 + 25; j < len(before) && seen[before[j].ID] == 0 {
				ws.DeleteConversation(before[j].ID)
				deleted[before[j].ID] = true
			}
			next, ok := page["nextCursor"].(string)
			if !ok {
				break
			}
			q.Set("cursor", next)
		}
		require.Greater(t, len(deleted), 10)
		for _, c := range before {
			if !deleted[c.ID] {
				require.Equal(t, 1, seen[c.ID], c.ID)
			}
		}
		for id, n := range seen {
			require.Equal(t, 1, n, id)
			require.False(t, deleted[id], id)
		}
	})
}

func TestListPlainArray(t *testing.T) {
	t.Parallel()

	t.Run("IgnoresLimitAndCursorAndCapsNewestFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(120, 0), Options{Paging: PagingPlainArray})
		plain := b.getOK(t, "/conversation", nil)
		require.Equal(t, byte('['), plain.Raw[0])
		want := snapIDs(listOrder(b.WS.Snapshot().Conversations))[:50]
		require.Equal(t, want, fakeapitest.IDs(plain.Array()))

		for _, q := range []url.Values{
			{"limit": {"7"}},
			{"limit": {"101"}}, // not even validated
			{"limit": {"7"}, "cursor": {"whatever"}},
			{"cursor": {plain.Array()[49]["id"].(string)}},
		} {
			r := b.getOK(t, "/conversation", q)
			require.Equal(t, string(plain.Raw), string(r.Raw), q.Encode())
		}
	})

	t.Run("MaxListItemsSetsTheCap", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(30, 0), Options{Paging: PagingPlainArray, MaxListItems: 8})
		require.Len(t, b.getOK(t, "/conversation", nil).Array(), 8)
		b = setup(t, generated(30, 0), Options{Paging: PagingPlainArray, MaxListItems: 500})
		require.Len(t, b.getOK(t, "/conversation", nil).Array(), 30)
	})

	t.Run("ShrinkingDateWindowsEnumerateEverything", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(400, 0), Options{Paging: PagingPlainArray, MaxListItems: 25})
		snap := b.WS.Snapshot()
		tiedCreatedAt(t, snap) // windows meet on ties

		items, requests := b.walkWindows(t, nil)
		require.Equal(t, snapIDs(snap.Conversations), sorted(fakeapitest.IDs(items)))
		require.Greater(t, requests, 400/25)

		var resolved []string
		for _, c := range snap.Conversations {
			if c.Status == "RESOLVED" {
				resolved = append(resolved, c.ID)
			}
		}
		items, _ = b.walkWindows(t, url.Values{"status": {"RESOLVED"}})
		require.Equal(t, resolved, sorted(fakeapitest.IDs(items)))
	})

	t.Run("ListOrderChoosesWhatTheCapKeeps", func(t *testing.T) {
		t.Parallel()
		ws := generated(60, 2)
		// A new message on the oldest conversation makes it the last
		// updated.
		ws.AddMessage(listOrder(ws.Snapshot().Conversations)[59].ID, "again", "human")
		snap := ws.Snapshot()
		oldest := listOrder(snap.Conversations)
		slices.Reverse(oldest)
		updated := slices.Clone(listOrder(snap.Conversations))
		slices.SortStableFunc(updated, func(a, b SnapConversation) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		require.NotEqual(t, snapIDs(listOrder(snap.Conversations))[:8], snapIDs(updated)[:8], "updates must reorder the workspace")

		for order, want := range map[ListOrder][]SnapConversation{
			OrderNewestFirst:     listOrder(snap.Conversations),
			OrderOldestFirst:     oldest,
			OrderRecentlyUpdated: updated,
		} {
			b := setup(t, ws, Options{Paging: PagingPlainArray, MaxListItems: 8, ListOrder: order})
			require.Equal(t, snapIDs(want)[:8], fakeapitest.IDs(b.getOK(t, "/conversation", nil).Array()), order.String())
		}

		// The filters apply before the cap, whatever the order.
		b := setup(t, ws, Options{Paging: PagingPlainArray, MaxListItems: 8, ListOrder: OrderOldestFirst})
		to := oldest[20].CreatedAt
		var want []string
		for _, c := range oldest {
			if c.Status == "RESOLVED" && !c.CreatedAt.After(to) && len(want) < 8 {
				want = append(want, c.ID)
			}
		}
		got := b.getOK(t, "/conversation", url.Values{"status": {"RESOLVED"}, "endDate": {iso(to)}}).Array()
		require.Equal(t, want, fakeapitest.IDs(got))
	})

	t.Run("StillValidatesFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(5, 0), Options{Paging: PagingPlainArray})
		r := b.get(t, "/conversation", url.Values{"endDate": {"yesterday"}})
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.NotEmpty(t, r.Object()["error"])
	})
}

func TestListFilters(t *testing.T) {
	t.Parallel()

	// A plain-array server with a cap above the workspace answers whole
	// filtered sets in one request.
	b := setup(t, generated(300, 3), Options{Paging: PagingPlainArray, MaxListItems: 10_000})
	snap := b.WS.Snapshot()
	byID := map[string]SnapConversation{}
	for _, c := range snap.Conversations {
		byID[c.ID] = c
	}
	all := b.getOK(t, "/conversation", nil).Array()
	require.Len(t, all, 300)

	list := func(t *testing.T, q url.Values) []string {
		t.Helper()
		return sorted(fakeapitest.IDs(b.getOK(t, "/conversation", q).Array()))
	}
	expect := func(keep func(it map[string]any, c SnapConversation) bool) []string {
		var out []string
		for _, it := range all {
			if keep(it, byID[it["id"].(string)]) {
				out = append(out, it["id"].(string))
			}
		}
		return sorted(out)
	}
	unread := func(c SnapConversation) bool {
		return slices.ContainsFunc(c.Messages, func(m SnapMessage) bool { return !m.Read })
	}

	t.Run("CreatedAtAndEndDateAreInclusive", func(t *testing.T) {
		t.Parallel()
		at := tiedCreatedAt(t, snap)
		var tied []string
		for _, c := range snap.Conversations {
			if c.CreatedAt.Equal(at) {
				tied = append(tied, c.ID)
			}
		}
		from := list(t, url.Values{"createdAt": {iso(at)}})
		to := list(t, url.Values{"endDate": {iso(at)}})
		both := list(t, url.Values{"createdAt": {iso(at)}, "endDate": {iso(at)}})
		require.Equal(t, tied, both)
		require.Subset(t, from, tied)
		require.Subset(t, to, tied)
		require.Len(t, all, len(from)+len(to)-len(tied))

		ms := time.Millisecond
		require.Empty(t, list(t, url.Values{"createdAt": {iso(at.Add(ms))}, "endDate": {iso(at.Add(ms))}}))
		require.NotContains(t, list(t, url.Values{"createdAt": {iso(at.Add(ms))}}), tied[0])
		require.NotContains(t, list(t, url.Values{"endDate": {iso(at.Add(-ms))}}), tied[0])
		// Other spellings of the same instant, as JavaScript's Date reads them.
		require.Equal(t, tied, list(t, url.Values{"createdAt": {at.Format(time.RFC3339Nano)}, "endDate": {at.Add(999 * time.Microsecond).Format(time.RFC3339Nano)}}))
	})

	t.Run("BareDatesAreMidnightUTC", func(t *testing.T) {
		t.Parallel()
		day := time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)
		got := list(t, url.Values{"createdAt": {"2025-01-15"}, "endDate": {"2025-01-16"}})
		require.Equal(t, expect(func(_ map[string]any, c SnapConversation) bool {
			return !c.CreatedAt.Before(day) && !c.CreatedAt.After(day.Add(24*time.Hour))
		}), got)
	})

	t.Run("EachFilterNarrows", func(t *testing.T) {
		t.Parallel()
		agent := all[0]["agentId"].(string)
		var assignee string
		for _, c := range snap.Conversations {
			if len(c.AssigneeIDs) > 0 {
				assignee = c.AssigneeIDs[0]
				break
			}
		}
		cases := []struct {
			q    url.Values
			keep func(map[string]any, SnapConversation) bool
		}{
			{url.Values{"agentId": {agent}}, func(it map[string]any, _ SnapConversation) bool { return it["agentId"] == agent }},
			{url.Values{"channel": {"telegram"}}, func(_ map[string]any, c SnapConversation) bool { return c.Channel == "telegram" }},
			{url.Values{"status": {"HUMAN_REQUESTED"}}, func(_ map[string]any, c SnapConversation) bool { return c.Status == "HUMAN_REQUESTED" }},
			{url.Values{"priority": {"HIGH"}}, func(_ map[string]any, c SnapConversation) bool { return c.Priority == "HIGH" }},
			{url.Values{"assigneeId": {assignee}}, func(_ map[string]any, c SnapConversation) bool { return slices.Contains(c.AssigneeIDs, assignee) }},
			{url.Values{"unread": {"true"}}, func(_ map[string]any, c SnapConversation) bool { return unread(c) }},
			{url.Values{"unread": {"false"}}, func(_ map[string]any, c SnapConversation) bool { return !unread(c) }},
			{url.Values{"status": {"UNRESOLVED"}, "priority": {"LOW"}}, func(_ map[string]any, c SnapConversation) bool {
				return c.Status == "UNRESOLVED" && c.Priority == "LOW"
			}},
		}
		for _, tc := range cases {
			want := expect(tc.keep)
			require.NotEmpty(t, want, tc.q.Encode())
			require.Less(t, len(want), len(all), tc.q.Encode())
			require.Equal(t, want, list(t, tc.q), tc.q.Encode())
		}
		require.Empty(t, list(t, url.Values{"channel": {"carrier-pigeon"}}))
	})

	t.Run("RejectsInvalidValues", func(t *testing.T) {
		t.Parallel()
		for _, q := range []url.Values{
			{"status": {"OPEN"}},
			{"priority": {"URGENT"}},
			{"unread": {"maybe"}},
			{"createdAt": {"01/02/2025"}},
			{"endDate": {"2025-13-01T00:00:00Z"}},
		} {
			r := b.get(t, "/conversation", q)
			require.Equal(t, http.StatusBadRequest, r.Status, q.Encode())
			require.NotEmpty(t, r.Object()["error"])
		}
	})
}

func TestGetConversation(t *testing.T) {
	t.Parallel()

	t.Run("ServesConversationDetailed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(40, 2), Options{})
		id := b.WS.Snapshot().Conversations[0].ID
		c := b.getOK(t, "/conversation/"+id, nil).Object()
		for _, field := range []string{
			"id", "title", "isAiEnabled", "channel", "status", "metadata", "channelExternalId",
			"channelCredentialsId", "organizationId", "mailInboxId", "priority", "formId", "agentId",
			"userId", "visitorId", "frustration", "createdAt", "updatedAt", "participantsContacts",
			"conversationVariables", "conversationContexts", "assignees", "tags", "crmScenarioConversations",
		} {
			require.Contains(t, c, field) // present even when null
		}
		require.Equal(t, id, c["id"])
		for _, list := range []string{"participantsContacts", "conversationVariables", "conversationContexts", "assignees", "tags", "crmScenarioConversations"} {
			require.IsType(t, []any{}, c[list], list) // never null
		}
	})

	t.Run("UnknownAndDeletedAreNotFound", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		id := ws.AddConversation("Pedido atrasado")
		msg := ws.AddMessage(id, "Oi", "human")
		b := setup(t, ws, Options{})
		b.getOK(t, "/conversation/"+id, nil)
		ws.DeleteConversation(id)
		for _, path := range []string{"/conversation/" + id, "/conversation/" + id + "/messages/10", "/messages/" + msg, "/conversation/cnope"} {
			r := b.get(t, path, nil)
			require.Equal(t, http.StatusNotFound, r.Status, path)
			require.Equal(t, map[string]any{"error": "Not found"}, r.Body)
		}
		require.Empty(t, b.getOK(t, "/conversation", nil).Object()["conversations"])
	})
}

func TestMessages(t *testing.T) {
	t.Parallel()
	ws := NewWorkspace(fakeapitest.Start())
	conv := ws.AddConversation("Boleto")
	var want []string
	for i := range 30 {
		from := "human"
		if i%3 == 2 {
			from = "agent"
		}
		want = append(want, ws.AddMessage(conv, "message "+strconv.Itoa(i), from))
	}
	b := setup(t, ws, Options{})

	t.Run("CountReturnsTheLatestOldestFirst", func(t *testing.T) {
		t.Parallel()
		r := b.getOK(t, "/conversation/"+conv+"/messages/10", nil)
		require.Equal(t, want[20:], fakeapitest.IDs(r.Array()))
		var last time.Time
		for _, m := range r.Array() {
			at := parseISO(t, m["createdAt"])
			require.True(t, at.After(last))
			last = at
			require.Equal(t, conv, m["conversationId"])
		}
		require.Equal(t, want[29:], fakeapitest.IDs(b.getOK(t, "/conversation/"+conv+"/messages/1", nil).Array()))
		require.Equal(t, want, fakeapitest.IDs(b.getOK(t, "/conversation/"+conv+"/messages/500", nil).Array()))
	})

	t.Run("RejectsCountOutsideOneToMax", func(t *testing.T) {
		t.Parallel()
		for _, count := range []string{"0", "-3", "501", "all"} {
			r := b.get(t, "/conversation/"+conv+"/messages/"+count, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, count)
			require.NotEmpty(t, r.Object()["error"])
		}
	})

	t.Run("GetsOneMessage", func(t *testing.T) {
		t.Parallel()
		window := b.getOK(t, "/conversation/"+conv+"/messages/3", nil).Array()
		m := b.getOK(t, "/messages/"+want[29], nil).Object()
		require.Equal(t, window[2], m)
		require.Equal(t, "agent", m["from"])
		require.Equal(t, "message 29", m["text"])
		require.Equal(t, "<p>message 29</p>", m["html"])
		for _, field := range []string{"agentId", "contactId", "userId", "visitorId", "read", "eval", "createdAt", "updatedAt"} {
			require.Contains(t, m, field)
		}
		h := b.getOK(t, "/messages/"+want[0], nil).Object()
		require.Equal(t, "human", h["from"])
		require.Nil(t, h["html"])
		require.Equal(t, false, h["read"])
		require.NotNil(t, h["visitorId"])

		r := b.get(t, "/messages/cnotamessage", nil)
		require.Equal(t, http.StatusNotFound, r.Status)
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 1), Options{})
	for _, key := range []string{"", "wrong"} {
		for _, path := range []string{"/conversation", "/messages/x", "/nowhere"} {
			r := b.do(t, key, path, nil)
			require.Equal(t, http.StatusUnauthorized, r.Status)
			require.Equal(t, map[string]any{"error": "Unauthorized"}, r.Body)
		}
	}
	b.getOK(t, "/conversation", nil)

	t.Run("EmptyAPIKeyAcceptsAnyRequest", func(t *testing.T) {
		t.Parallel()
		ws := generated(3, 1)
		open := &testBundle{fakeapitest.NewBundle(t, ws, NewServer(ws, Options{}))}
		require.Equal(t, http.StatusOK, open.do(t, "", "/conversation", nil).Status)
		require.Equal(t, http.StatusOK, open.do(t, "anything", "/conversation", nil).Status)
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 1), Options{Faults: fakeapi.Faults{RateLimit: 2}})
	id := b.WS.Snapshot().Conversations[0].ID
	paths := []string{"/conversation", "/conversation/" + id, "/conversation/" + id + "/messages/5", "/conversation", "/conversation", "/messages/x"}
	var statuses []int
	for _, p := range paths {
		r := b.get(t, p, nil)
		statuses = append(statuses, r.Status)
		if r.Status != http.StatusOK {
			require.Equal(t, map[string]any{"error": "Too many requests"}, r.Body)
			require.Empty(t, r.Header.Get("Retry-After"))
		}
	}
	require.Equal(t, []int{200, 200, 429, 419, 429, 419}, statuses)

	// A wrong key is refused before the limit applies, and not counted as
	// rate limited.
	require.Equal(t, http.StatusUnauthorized, b.do(t, "other", "/conversation", nil).Status)

	st := b.Srv.Stats()
	require.Equal(t, 4, st.RateLimited)
	require.Equal(t, 7, st.Total)
	require.Equal(t, 4, st.Requests["conversation.list"])
	require.Equal(t, 1, st.Requests["conversation.messages"])
	require.Equal(t, 1, st.Requests["messages.get"])

	t.Run("EachKeyHasItsOwnWindow", func(t *testing.T) {
		t.Parallel()
		ws := generated(3, 1)
		open := &testBundle{fakeapitest.NewBundle(t, ws, NewServer(ws, Options{Faults: fakeapi.Faults{RateLimit: 1}}))}
		require.Equal(t, http.StatusOK, open.do(t, "a", "/conversation", nil).Status)
		require.Equal(t, http.StatusTooManyRequests, open.do(t, "a", "/conversation", nil).Status)
		require.Equal(t, http.StatusOK, open.do(t, "b", "/conversation", nil).Status)
		require.Equal(t, 419, open.do(t, "a", "/conversation", nil).Status)
	})
}

func TestFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 1), Options{Faults: fakeapi.Faults{FailureRate: 1}})
	id := b.WS.Snapshot().Conversations[0].ID
	first := b.get(t, "/conversation/"+id, nil)
	second := b.get(t, "/messages/x", nil)
	require.Equal(t, http.StatusInternalServerError, first.Status)
	require.Equal(t, http.StatusServiceUnavailable, second.Status)
	require.NotEmpty(t, first.Object()["error"])
	require.NotEmpty(t, second.Object()["error"])
	require.Equal(t, 2, b.Srv.Stats().Failures)

	t.Run("LatencyStillServes", func(t *testing.T) {
		t.Parallel()
		slow := setup(t, generated(3, 1), Options{Faults: fakeapi.Faults{Latency: 5 * time.Millisecond}})
		slow.getOK(t, "/conversation", nil)
	})
}

func TestStats(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 1), Options{})
	snap := b.WS.Snapshot()
	i := slices.IndexFunc(snap.Conversations, func(c SnapConversation) bool { return len(c.Messages) > 0 })
	require.NotEqual(t, -1, i, "a conversation with messages, to get them one by one")
	c := snap.Conversations[i]
	b.getOK(t, "/conversation", nil)
	b.getOK(t, "/conversation/"+c.ID, nil)
	b.getOK(t, "/conversation/"+c.ID+"/messages/3", nil)
	for _, m := range c.Messages {
		b.getOK(t, "/messages/"+m.ID, nil)
	}
	require.Equal(t, http.StatusNotFound, b.get(t, "/conversations", nil).Status)
	st := b.Srv.Stats()
	require.Equal(t, map[string]int{
		"conversation.list": 1, "conversation.get": 1, "conversation.messages": 1,
		"messages.get": len(c.Messages), "unknown": 1,
	}, st.Requests)
	require.Equal(t, 4+len(c.Messages), st.Total)

	b.Srv.ResetStats()
	require.Equal(t, Stats{Requests: map[string]int{}}, b.Srv.Stats())
}

func TestMutations(t *testing.T) {
	t.Parallel()

	t.Run("ClockAdvancesAtLeastASecondPerMutation", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		require.Equal(t, fakeapitest.Start(), ws.Now())
		id := ws.AddConversation("Cupom")
		steps := []func(){
			func() { ws.AddMessage(id, "Oi", "human") },
			func() { ws.AddMessage(id, "Olá!", "agent") },
			func() { ws.SetStatus(id, "HUMAN_REQUESTED") },
			func() { ws.SetPriority(id, "HIGH") },
			func() { ws.MarkRead(id) },
			func() { ws.AddConversation("") },
			func() { ws.DeleteConversation(id) },
		}
		for _, step := range steps {
			before := ws.Now()
			step()
			require.GreaterOrEqual(t, ws.Now().Sub(before), time.Second)
		}
	})

	t.Run("MessagesAndStatusBumpUpdatedAt", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		id := ws.AddConversation("Pix")
		conv := func() SnapConversation { return ws.Snapshot().Conversations[0] }
		created := conv()
		require.Equal(t, created.CreatedAt, created.UpdatedAt)
		require.Equal(t, "UNRESOLVED", created.Status)

		mid := ws.AddMessage(id, "Cadê meu pix?", "human")
		c := conv()
		require.Equal(t, c.Messages[0].CreatedAt, c.UpdatedAt)
		require.True(t, c.UpdatedAt.After(created.UpdatedAt))
		require.False(t, c.Messages[0].Read)

		ws.SetStatus(id, "RESOLVED")
		resolved := conv()
		require.Equal(t, "RESOLVED", resolved.Status)
		require.True(t, resolved.UpdatedAt.After(c.UpdatedAt))

		// Message edits and reads move only the message.
		ws.EditMessage(mid, "Cadê meu Pix??")
		ws.MarkRead(id)
		edited := conv()
		require.Equal(t, resolved.UpdatedAt, edited.UpdatedAt)
		require.Equal(t, "Cadê meu Pix??", edited.Messages[0].Text)
		require.True(t, edited.Messages[0].Read)
		require.True(t, edited.Messages[0].UpdatedAt.After(edited.Messages[0].CreatedAt))
	})

	t.Run("NewConversationsListFirst", func(t *testing.T) {
		t.Parallel()
		ws := generated(30, 0)
		b := setup(t, ws, Options{Paging: PagingPlainArray})
		id := ws.AddConversation("Entrega")
		got := b.getOK(t, "/conversation", nil).Array()
		require.Equal(t, id, got[0]["id"])
		require.Equal(t, "Entrega", got[0]["title"])
		require.Nil(t, got[0]["priority"])
	})

	t.Run("UnknownIDsAreNoOpsAndBadEnumsPanic", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		require.Empty(t, ws.AddMessage("cnope", "hi", "human"))
		ws.SetStatus("cnope", "RESOLVED")
		ws.DeleteConversation("cnope")
		ws.EditMessage("cnope", "x")
		require.Empty(t, ws.Snapshot().Conversations)
		id := ws.AddConversation("x")
		require.Panics(t, func() { ws.AddMessage(id, "hi", "bot") })
		require.Panics(t, func() { ws.SetStatus(id, "OPEN") })
	})
}

func TestGenerate(t *testing.T) {
	t.Parallel()

	t.Run("IsDeterministic", func(t *testing.T) {
		t.Parallel()
		fakeapitest.RequireDeterministic(t, func(seed int64) Snapshot {
			return Generate(GenerateConfig{Seed: seed, Conversations: 150, MessagesPerConversation: 4, Start: fakeapitest.Start()}).Snapshot()
		})
	})

	t.Run("RespectsTheConfig", func(t *testing.T) {
		t.Parallel()
		snap := generated(500, 5).Snapshot()
		require.Len(t, snap.Conversations, 500)
		seen := map[string]bool{}
		total := 0
		for _, c := range snap.Conversations {
			require.True(t, c.CreatedAt.Before(fakeapitest.Start()))
			require.False(t, c.CreatedAt.Before(fakeapitest.Start().Add(-365*24*time.Hour)))
			require.True(t, c.UpdatedAt.Before(fakeapitest.Start()))
			require.False(t, c.UpdatedAt.Before(c.CreatedAt))
			require.LessOrEqual(t, len(c.Messages), 10)
			total += len(c.Messages)
			for _, id := range append([]string{c.ID}, c.MessageIDs()...) {
				require.False(t, seen[id], "duplicate id %s", id)
				seen[id] = true
				require.Regexp(t, `^c[0-9a-z]{24}$`, id)
			}
			for _, m := range c.Messages {
				require.False(t, m.CreatedAt.Before(c.CreatedAt))
				require.False(t, m.UpdatedAt.After(c.UpdatedAt))
			}
		}
		require.InDelta(t, 5, float64(total)/500, 0.5)
	})
}

// TestSnapshotMatchesAPI mirrors the whole workspace through the API, in each
// paging dialect, decoding it independently with map[string]any, and compares
// the mirror with Snapshot.
func TestSnapshotMatchesAPI(t *testing.T) {
	t.Parallel()
	for _, mode := range []PagingMode{PagingCursor, PagingPlainArray} {
		t.Run(strings.ReplaceAll(mode.String(), "-", ""), func(t *testing.T) {
			t.Parallel()
			ws := generated(150, 6)
			first := ws.Snapshot().Conversations[0]
			ws.AddMessage(first.ID, "Ainda aguardando…", "human")
			ws.SetStatus(first.ID, "HUMAN_REQUESTED")
			ws.AddConversation("")
			b := setup(t, ws, Options{Paging: mode, MaxListItems: 20})
			want := ws.Snapshot()

			var items []map[string]any
			if mode == PagingCursor {
				items = b.walkCursor(t, url.Values{"limit": {"13"}})
			} else {
				items, _ = b.walkWindows(t, nil)
			}
			got, seen := mirror(t, b, items)
			require.Equal(t, want, got)

			// The data exercises what clients must cope with.
			for _, feature := range []string{
				"null title", "null priority", "null frustration", "frustration", "null html", "unread",
				"eval", "long text", "crm", "contact", "variables", "metadata null",
				"extra _count", "extra channelData", "extra sources", "status HUMAN_REQUESTED",
				"channel whatsapp", "channel website", "channel dashboard", "channel mail", "tied createdAt",
				"tied message createdAt", "edited message",
			} {
				require.True(t, seen[feature], feature)
			}
		})
	}
}

// mirror reads every listed conversation's detail and messages, the way a
// client would, into a Snapshot, and notes what it saw.
func mirror(t *testing.T, b *testBundle, items []map[string]any) (Snapshot, map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	createdAts := map[string]bool{}
	snap := Snapshot{Conversations: []SnapConversation{}}
	for _, it := range items {
		id := it["id"].(string)
		c := b.getOK(t, "/conversation/"+id, nil).Object()
		for _, k := range []string{"title", "channel", "status", "priority", "isAiEnabled", "createdAt", "updatedAt", "agentId", "organizationId", "frustration"} {
			require.Equal(t, c[k], it[k], "list item and detail disagree on %s", k)
		}
		sc := SnapConversation{
			ID: id, Title: str(c["title"]), Channel: str(c["channel"]), Status: str(c["status"]),
			Priority: str(c["priority"]), IsAIEnabled: c["isAiEnabled"].(bool),
			CreatedAt: parseISO(t, c["createdAt"]), UpdatedAt: parseISO(t, c["updatedAt"]),
			Variables: map[string]string{},
		}
		if f, ok := c["frustration"].(float64); ok {
			sc.Frustration = &f
			seen["frustration"] = true
		}
		for _, a := range fakeapitest.ToMaps(c["assignees"]) {
			sc.AssigneeIDs = append(sc.AssigneeIDs, a["id"].(string))
		}
		for _, tg := range fakeapitest.ToMaps(c["tags"]) {
			sc.Tags = append(sc.Tags, tg["name"].(string))
		}
		for _, v := range fakeapitest.ToMaps(c["conversationVariables"]) {
			sc.Variables[v["name"].(string)] = v["value"].(string)
			seen["variables"] = true
		}
		for _, l := range fakeapitest.ToMaps(c["crmScenarioConversations"]) {
			scen, st := l["scenario"].(map[string]any), l["step"].(map[string]any)
			sc.CRM = append(sc.CRM, SnapCRMLink{
				ScenarioID: str(scen["id"]), ScenarioName: str(scen["name"]), StepID: str(st["id"]), StepName: str(st["name"]),
				Available: l["available"].(bool), CreatedAt: parseISO(t, l["createdAt"]), UpdatedAt: parseISO(t, l["updatedAt"]),
			})
			seen["crm"] = true
		}

		msgs := b.getOK(t, "/conversation/"+id+"/messages/"+strconv.Itoa(MaxMessages), nil).Array()
		msgAts := map[string]bool{}
		for i, m := range msgs {
			if i < 3 { // spot-check the single-message endpoint
				require.Equal(t, m, b.getOK(t, "/messages/"+m["id"].(string), nil).Object())
			}
			require.Equal(t, id, m["conversationId"])
			sm := SnapMessage{
				ID: m["id"].(string), Text: m["text"].(string), HTML: str(m["html"]), From: m["from"].(string),
				AgentID: str(m["agentId"]), ContactID: str(m["contactId"]), UserID: str(m["userId"]), VisitorID: str(m["visitorId"]),
				Read: m["read"].(bool), CreatedAt: parseISO(t, m["createdAt"]), UpdatedAt: parseISO(t, m["updatedAt"]),
			}
			sc.Messages = append(sc.Messages, sm)
			at := m["createdAt"].(string)
			seen["tied message createdAt"] = seen["tied message createdAt"] || msgAts[at]
			msgAts[at] = true
			seen["null html"] = seen["null html"] || m["html"] == nil
			seen["unread"] = seen["unread"] || !sm.Read
			seen["eval"] = seen["eval"] || m["eval"] != nil
			seen["long text"] = seen["long text"] || len(sm.Text) > 10_000
			seen["edited message"] = seen["edited message"] || sm.UpdatedAt.After(sm.CreatedAt)
			_, extra := m["sources"]
			seen["extra sources"] = seen["extra sources"] || extra
		}

		seen["null title"] = seen["null title"] || c["title"] == nil
		seen["null priority"] = seen["null priority"] || c["priority"] == nil
		seen["null frustration"] = seen["null frustration"] || c["frustration"] == nil
		seen["metadata null"] = seen["metadata null"] || c["metadata"] == nil
		seen["contact"] = seen["contact"] || len(c["participantsContacts"].([]any)) > 0
		seen["status "+sc.Status] = true
		seen["channel "+sc.Channel] = true
		seen["tied createdAt"] = seen["tied createdAt"] || createdAts[c["createdAt"].(string)]
		createdAts[c["createdAt"].(string)] = true
		for _, k := range []string{"_count", "channelData"} {
			_, extra := c[k]
			seen["extra "+k] = seen["extra "+k] || extra
		}
		snap.Conversations = append(snap.Conversations, sc)
	}
	slices.SortFunc(snap.Conversations, func(a, b SnapConversation) int { return strings.Compare(a.ID, b.ID) })
	return snap, seen
}

// str is a nullable string: null is "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

func TestServesWhileTheWorkspaceChanges(t *testing.T) {
	t.Parallel()
	ws := generated(100, 3)
	cursor := setup(t, ws, Options{})
	plain := setup(t, ws, Options{Paging: PagingPlainArray})
	ids0 := snapIDs(ws.Snapshot().Conversations)
	fakeapitest.ReadWhileMutating(300, func(i int) {
		id := ws.AddConversation("churn")
		mid := ws.AddMessage(id, "oi", "human")
		ws.EditMessage(mid, "oi!")
		ws.AddMessage(ids0[i%len(ids0)], "up", "agent")
		ws.SetStatus(id, "RESOLVED")
		ws.MarkRead(ids0[i%len(ids0)])
		if i%3 == 0 {
			ws.DeleteConversation(id)
		}
	}, func() {
		require.NotEmpty(t, cursor.walkCursor(t, url.Values{"limit": {"17"}}))
		items, _ := plain.walkWindows(t, nil)
		require.NotEmpty(t, items)
		cursor.getOK(t, "/conversation/"+ids0[0]+"/messages/50", nil)
	})
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(GenerateConfig{Seed: 1, Conversations: 20_000, MessagesPerConversation: 10, Start: fakeapitest.Start()})
	}
}

// BenchmarkWindowWalk enumerates 20 000 conversations in plain-array mode,
// 50 at a time, as a client must.
func BenchmarkWindowWalk(b *testing.B) {
	ws := Generate(GenerateConfig{Seed: 1, Conversations: 20_000, MessagesPerConversation: 1, Start: fakeapitest.Start()})
	srv := fakeapitest.Serve(b, NewServer(ws, Options{Paging: PagingPlainArray}))
	for b.Loop() {
		seen := map[string]bool{}
		end := ""
		for {
			u := srv.URL() + "/conversation"
			if end != "" {
				u += "?endDate=" + url.QueryEscape(end)
			}
			var page []struct {
				ID        string `json:"id"`
				CreatedAt string `json:"createdAt"`
			}
			fakeapitest.Fetch(b, u, &page)
			fresh := 0
			for _, c := range page {
				if !seen[c.ID] {
					seen[c.ID], fresh = true, fresh+1
				}
			}
			if fresh == 0 {
				break
			}
			end = page[len(page)-1].CreatedAt
		}
		if len(seen) != 20_000 {
			b.Fatalf("saw %d conversations", len(seen))
		}
	}
}

package devrevtest

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

const testToken = "test-token"

func generated(conversations, comments int) *Workspace {
	return Generate(GenerateConfig{Seed: 42, Conversations: conversations, CommentsPerConversation: comments, Start: fakeapitest.Start()})
}

// testBundle is a workspace and a server for it that wants testToken.
type testBundle struct {
	fakeapitest.Bundle[*Workspace, *Server]
}

func setup(t *testing.T, ws *Workspace, opts Options) *testBundle {
	opts.Token = cmp.Or(opts.Token, testToken)
	return &testBundle{fakeapitest.NewBundle(t, ws, NewServer(ws, opts))}
}

// response is an answer and its body, which is always a JSON object.
type response = fakeapitest.JSONResponse

// do calls an endpoint: GET with q as the query string when body is nil, else
// POST with body as JSON.
func (b *testBundle) do(t *testing.T, token, endpoint string, q url.Values, body any) response {
	t.Helper()
	u, auth := b.Srv.URL()+"/"+endpoint, fakeapitest.Bearer(token)
	var r fakeapitest.Response
	if body == nil {
		r = fakeapitest.Get(t, u, q, auth)
	} else {
		r = fakeapitest.PostJSON(t, u, body, auth)
	}
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	decoded := fakeapitest.DecodeJSON(t, r, false)
	require.IsType(t, map[string]any{}, decoded.Body, string(r.Raw))
	return decoded
}

func (b *testBundle) get(t *testing.T, endpoint string, q url.Values) response {
	t.Helper()
	return b.do(t, testToken, endpoint, q, nil)
}

// requireError checks an error answer: its status and DevRev's error type.
func requireError(t *testing.T, r response, status int, errorType string) {
	t.Helper()
	require.Equal(t, status, r.Status, string(r.Raw))
	require.Equal(t, errorType, r.Object()["type"])
}

// walk follows next_cursor until it is absent, returning every item of every
// page and the number of empty pages seen.
func (b *testBundle) walk(t *testing.T, endpoint, key string, q url.Values) (items []map[string]any, empty int) {
	t.Helper()
	q = fakeapitest.CloneValues(q)
	for range 100_000 {
		r := b.get(t, endpoint, q)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		page := r.Object()[key].([]any)
		if len(page) == 0 {
			empty++
		}
		for _, it := range page {
			items = append(items, it.(map[string]any))
		}
		next, ok := r.Object()["next_cursor"].(string)
		if !ok {
			return items, empty
		}
		if q.Get("cursor") != "" {
			require.Contains(t, r.Object(), "prev_cursor")
		}
		q.Set("cursor", next)
	}
	t.Fatal("paging did not end")
	return nil, 0
}

func TestListConversations(t *testing.T) {
	t.Parallel()

	t.Run("WalksEveryConversationExactlyOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(300, 1), Options{EmptyPageRate: 0.3, Seed: 7})
		items, empty := b.walk(t, "conversations.list", "conversations", url.Values{"limit": {"7"}})
		require.Positive(t, empty, "expected some empty pages with next_cursor")

		var want []string
		for _, c := range b.WS.Snapshot().Conversations {
			want = append(want, c.ID)
		}
		got := fakeapitest.IDs(items)
		slices.Sort(got)
		require.Equal(t, want, got) // no duplicates, none missing
	})

	t.Run("IsNotOrderedByModifiedDate", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(100, 0), Options{})
		items, _ := b.walk(t, "conversations.list", "conversations", url.Values{"limit": {"100"}})
		var dates []time.Time
		for _, it := range items {
			dates = append(dates, parseTime(t, it["modified_date"]))
		}
		require.False(t, slices.IsSortedFunc(dates, time.Time.Compare))
		slices.Reverse(dates)
		require.False(t, slices.IsSortedFunc(dates, time.Time.Compare))
	})

	for name, q := range map[string]url.Values{
		"RejectsLimitAboveMax": {"limit": {"101"}},
		"RejectsInvalidCursor": {"cursor": {"not-a-cursor"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, generated(5, 0), Options{})
			requireError(t, b.get(t, "conversations.list", q), http.StatusBadRequest, "bad_request")
		})
	}

	t.Run("AcceptsLimitAtMax", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(5, 0), Options{})
		require.Equal(t, http.StatusOK, b.get(t, "conversations.list", url.Values{"limit": {"100"}}).Status)
	})

	t.Run("ModifiedDateFiltersAreInclusive", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(200, 1), Options{})
		all, _ := b.walk(t, "conversations.list", "conversations", url.Values{"limit": {"100"}})
		pivot := all[17]
		raw := pivot["modified_date"].(string)
		at := parseTime(t, raw)

		after, _ := b.walk(t, "conversations.list", "conversations", url.Values{"modified_date.after": {raw}})
		require.Contains(t, fakeapitest.IDs(after), pivot["id"])
		for _, it := range after {
			require.False(t, parseTime(t, it["modified_date"]).Before(at))
		}
		before, _ := b.walk(t, "conversations.list", "conversations", url.Values{"modified_date.before": {raw}})
		require.Contains(t, fakeapitest.IDs(before), pivot["id"])
		require.Len(t, all, len(after)+len(before)-1)

		// One microsecond later excludes it, whatever the digits sent.
		later := at.Add(time.Microsecond).Format("2006-01-02T15:04:05.000000000Z07:00")
		after, _ = b.walk(t, "conversations.list", "conversations", url.Values{"modified_date.after": {later}})
		require.NotContains(t, fakeapitest.IDs(after), pivot["id"])
	})

	t.Run("PostFormEqualsGetForm", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(300, 1), Options{EmptyPageRate: 0.3})
		q := url.Values{
			"limit":               {"9"},
			"stage.name":          {"resolved,archived"},
			"modified_date.after": {fakeapitest.Start().Add(-200 * 24 * time.Hour).Format(time.RFC3339)},
		}
		body := map[string]any{
			"limit":         9,
			"stage":         map[string]any{"name": []string{"resolved", "archived"}},
			"modified_date": map[string]any{"after": fakeapitest.Start().Add(-200 * 24 * time.Hour).Format(time.RFC3339)},
		}
		pages := 0
		for {
			g := b.get(t, "conversations.list", q)
			p := b.do(t, testToken, "conversations.list", nil, body)
			require.Equal(t, http.StatusOK, g.Status, string(g.Raw))
			require.Equal(t, string(g.Raw), string(p.Raw))
			for _, c := range g.Object()["conversations"].([]any) {
				require.Contains(t, []string{"resolved", "archived"}, c.(map[string]any)["stage"].(map[string]any)["name"])
			}
			pages++
			next, ok := g.Object()["next_cursor"].(string)
			if !ok {
				break
			}
			q.Set("cursor", next)
			body["cursor"] = next
		}
		require.Greater(t, pages, 3)
	})

	t.Run("PrevCursorReturnsThePreviousPage", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(50, 0), Options{})
		first := b.get(t, "conversations.list", url.Values{"limit": {"8"}})
		require.NotContains(t, first.Object(), "prev_cursor")
		second := b.get(t, "conversations.list", url.Values{"limit": {"8"}, "cursor": {first.Object()["next_cursor"].(string)}})
		back := b.get(t, "conversations.list", url.Values{"limit": {"8"}, "cursor": {second.Object()["prev_cursor"].(string)}})
		require.Equal(t, fakeapitest.IDs(fakeapitest.ToMaps(first.Object()["conversations"])), fakeapitest.IDs(fakeapitest.ToMaps(back.Object()["conversations"])))
	})

	t.Run("WalksBackwardWithModeBefore", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(50, 0), Options{})
		forward, _ := b.walk(t, "conversations.list", "conversations", url.Values{"limit": {"100"}})
		q := url.Values{"limit": {"6"}, "mode": {"before"}}
		var backward []string
		for {
			r := b.get(t, "conversations.list", q)
			backward = append(fakeapitest.IDs(fakeapitest.ToMaps(r.Object()["conversations"])), backward...)
			prev, ok := r.Object()["prev_cursor"].(string)
			if !ok {
				break
			}
			q.Set("cursor", prev)
		}
		require.Equal(t, fakeapitest.IDs(forward), backward)
	})

	t.Run("ServesWhileTheWorkspaceChanges", func(t *testing.T) {
		t.Parallel()
		ws := generated(100, 3)
		b := setup(t, ws, Options{EmptyPageRate: 0.2})
		fakeapitest.ReadWhileMutating(300, func(i int) {
			id := ws.AddConversation("churn")
			cid := ws.AddComment(id, "hi", "internal")
			ws.EditComment(cid, "hi!")
			ws.SetStage(id, "active")
			ws.EditConversation(conversationID(1+i%100), "renamed")
			if i%3 == 0 {
				ws.DeleteComment(cid)
				ws.DeleteConversation(id)
			}
		}, func() {
			items, _ := b.walk(t, "conversations.list", "conversations", url.Values{"limit": {"20"}})
			require.NotEmpty(t, items)
			b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {"CONV-1"}, "limit": {"2"}})
		})
	})

	t.Run("CursorIgnoresConcurrentInsertsAndDeletes", func(t *testing.T) {
		t.Parallel()
		ws := generated(200, 0)
		b := setup(t, ws, Options{})
		before := ws.Snapshot()
		q := url.Values{"limit": {"10"}}
		seen := map[string]int{}
		deleted := map[string]bool{}
		for i := 0; ; i++ {
			r := b.get(t, "conversations.list", q)
			for _, id := range fakeapitest.IDs(fakeapitest.ToMaps(r.Object()["conversations"])) {
				seen[id]++
			}
			// Churn between pages: new conversations land anywhere in the hash
			// order, and some not yet seen disappear.
			for range 5 {
				ws.AddConversation("added mid-pass")
			}
			for _, c := range before.Conversations[i*3 : i*3+1] {
				if seen[c.ID] == 0 {
					ws.DeleteConversation(c.ID)
					deleted[c.ID] = true
				}
			}
			next, ok := r.Object()["next_cursor"].(string)
			if !ok {
				break
			}
			q.Set("cursor", next)
		}
		require.NotEmpty(t, deleted)
		for _, c := range before.Conversations {
			if !deleted[c.ID] {
				require.Equal(t, 1, seen[c.ID], c.ID)
			}
		}
		for id, n := range seen {
			require.Equal(t, 1, n, id)
		}
	})
}

func TestGetConversation(t *testing.T) {
	t.Parallel()

	t.Run("AcceptsDisplayID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(20, 1), Options{})
		r := b.get(t, "conversations.get", url.Values{"id": {"CONV-3"}})
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, conversationID(3), r.Object()["conversation"].(map[string]any)["id"])
	})

	t.Run("DeletedIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(20, 1), Options{})
		b.WS.DeleteConversation(conversationID(3))
		requireError(t, b.get(t, "conversations.get", url.Values{"id": {conversationID(3)}}), http.StatusNotFound, "not_found")
		items, _ := b.walk(t, "conversations.list", "conversations", nil)
		require.Len(t, items, 19)
		require.NotContains(t, fakeapitest.IDs(items), conversationID(3))
	})
}

func TestTimelineEntries(t *testing.T) {
	t.Parallel()

	t.Run("DeletedCommentHasNoBody", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		conv := ws.AddConversation("Cannot log in")
		keep := ws.AddComment(conv, "first", "external")
		gone := ws.AddComment(conv, "second", "internal")
		ws.DeleteComment(gone)
		b := setup(t, ws, Options{})

		entries, _ := b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {conv}})
		require.Len(t, entries, 3)
		byID := map[string]map[string]any{}
		for _, e := range entries {
			byID[e["id"].(string)] = e
		}
		require.NotContains(t, byID[gone], "body")
		require.Equal(t, "first", byID[keep]["body"])
		// Newest first.
		require.Equal(t, []string{gone, keep}, fakeapitest.IDs(entries)[:2])
	})

	t.Run("FiltersVisibility", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		conv := ws.AddConversation("Refund")
		ws.AddComment(conv, "note", "internal")
		ws.AddComment(conv, "reply", "external")
		b := setup(t, ws, Options{})
		entries, _ := b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {conv}, "visibility": {"internal,private"}})
		require.Len(t, entries, 1)
		require.Equal(t, "note", entries[0]["body"])
	})

	t.Run("UnknownObjectIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(3, 1), Options{})
		requireError(t, b.get(t, "timeline-entries.list", url.Values{"object": {"CONV-999"}}), http.StatusNotFound, "not_found")
	})

	t.Run("ThreadsAreListedUnderTheirComment", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		conv := ws.AddConversation("Refund")
		asked := ws.AddComment(conv, "can I get a refund?", "external")
		first := ws.AddReply(asked, "checking with billing")
		second := ws.AddReply(asked, "billing says yes")
		require.Empty(t, ws.AddReply(first, "no threads in threads"))
		b := setup(t, ws, Options{})

		entries, _ := b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {conv}})
		require.Len(t, entries, 2, "the conversation's timeline lists no reply")
		require.Equal(t, asked, entries[0]["id"])
		require.Equal(t, map[string]any{"total_replies": 2.0}, entries[0]["thread"])
		require.NotContains(t, entries[1], "thread", "a comment without replies has no thread")
		replies, _ := b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {asked}})
		require.Equal(t, []string{second, first}, fakeapitest.IDs(replies), "newest first")
		require.Equal(t, asked, replies[0]["object"])

		requireError(t, b.get(t, "timeline-entries.list", url.Values{"object": {first}}), http.StatusNotFound, "not_found")
		ws.RemoveComment(asked)
		requireError(t, b.get(t, "timeline-entries.list", url.Values{"object": {asked}}), http.StatusNotFound, "not_found")
		entries, _ = b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {conv}})
		require.Len(t, entries, 1, "the thread went with its comment")
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 0), Options{})
	for _, token := range []string{"", "wrong"} {
		r := b.do(t, token, "conversations.list", nil, nil)
		requireError(t, r, http.StatusUnauthorized, "unauthenticated")
		require.NotEmpty(t, r.Object()["message"])
	}
	require.Equal(t, http.StatusOK, b.get(t, "conversations.list", nil).Status)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	// Windows of 2 s follow each other on the clock: [10 s, 12 s) here.
	clock := fakeapitest.NewClock(time.Unix(1_800_000_010, 300_000_000))
	b := setup(t, generated(3, 0), Options{Faults: fakeapi.Faults{RateLimit: 3, RateWindow: 2 * time.Second, NowFunc: clock.Now}})
	for i := range 3 {
		r := b.get(t, "conversations.list", nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, "3", r.Header.Get("X-Ratelimit-Limit"))
		require.Equal(t, strconv.Itoa(2-i), r.Header.Get("X-Ratelimit-Remaining"))
		require.Equal(t, "1800000012", r.Header.Get("X-Ratelimit-Reset"), "the window's end, exactly")
	}

	clock.Set(time.Unix(1_800_000_011, 100_000_000))
	r := b.get(t, "conversations.get", url.Values{"id": {"CONV-1"}})
	requireError(t, r, http.StatusTooManyRequests, "too_many_requests")
	require.Equal(t, "1", r.Header.Get("Retry-After"), "0.9 s to the reset, in whole seconds")
	require.InDelta(t, 1, r.Object()["retry_after"], 0)
	require.Equal(t, "0", r.Header.Get("X-Ratelimit-Remaining"))
	require.Equal(t, "1800000012", r.Header.Get("X-Ratelimit-Reset"))

	st := b.Srv.Stats()
	require.Equal(t, 1, st.RateLimited)
	require.Equal(t, 4, st.Total)
	require.Equal(t, 3, st.Requests["conversations.list"])

	clock.Set(time.Unix(1_800_000_012, 0))
	r = b.get(t, "conversations.list", nil)
	require.Equal(t, http.StatusOK, r.Status, "a new window at the reset")
	require.Equal(t, "2", r.Header.Get("X-Ratelimit-Remaining"))
	require.Equal(t, "1800000014", r.Header.Get("X-Ratelimit-Reset"))
}

func TestFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(3, 0), Options{Faults: fakeapi.Faults{FailureRate: 1}})
	first := b.get(t, "conversations.list", nil)
	second := b.get(t, "conversations.list", nil)
	requireError(t, first, http.StatusInternalServerError, "internal_error")
	require.NotEmpty(t, first.Object()["reference_id"])
	requireError(t, second, http.StatusServiceUnavailable, "service_unavailable")
	require.Equal(t, 2, b.Srv.Stats().Failures)
}

func TestCreateAndDeleteOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(5, 1), Options{})
	r := b.do(t, testToken, "conversations.create", nil, map[string]any{
		"type":     "support",
		"title":    "Webhook retries",
		"members":  []string{"REVU-3"},
		"messages": []map[string]any{{"body": "Our webhook gets retried 10×"}},
		"tags":     []map[string]any{{"id": "TAG-11", "value": "p1"}},
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	conv := r.Object()["conversation"].(map[string]any)
	id := conv["id"].(string)
	require.Equal(t, "Webhook retries", conv["title"])

	snap := b.WS.Snapshot()
	i := slices.IndexFunc(snap.Conversations, func(c SnapConversation) bool { return c.ID == id })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, map[string]string{"priority": "p1"}, snap.Conversations[i].Tags)
	require.Len(t, snap.Conversations[i].Comments, 1)

	r = b.do(t, testToken, "conversations.delete", nil, map[string]any{"id": id})
	require.Equal(t, http.StatusOK, r.Status)
	require.Empty(t, r.Object())
	require.Equal(t, http.StatusNotFound, b.get(t, "conversations.get", url.Values{"id": {id}}).Status)
	require.Equal(t, http.StatusNotFound, b.do(t, testToken, "conversations.delete", nil, map[string]any{"id": id}).Status)

	bad := b.do(t, testToken, "conversations.create", nil, map[string]any{"title": "no type"})
	require.Equal(t, http.StatusBadRequest, bad.Status)
}

func TestMutations(t *testing.T) {
	t.Parallel()

	t.Run("ModifiedDatesStrictlyIncrease", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		var last time.Time
		for i := range 20 {
			id := ws.AddConversation("t" + strconv.Itoa(i))
			ws.SetStage(id, "active")
			for _, c := range ws.Snapshot().Conversations {
				if c.ID == id {
					require.True(t, c.ModifiedDate.After(last))
					require.True(t, c.ModifiedDate.After(c.CreatedDate))
					last = c.ModifiedDate
				}
			}
		}
	})

	t.Run("CommentsBumpConversationIsConfigurable", func(t *testing.T) {
		t.Parallel()
		for _, bump := range []bool{true, false} {
			ws := NewWorkspace(fakeapitest.Start())
			id := ws.AddConversation("Billing")
			before := ws.Snapshot().Conversations[0].ModifiedDate
			ws.SetCommentsBumpConversation(bump)
			cid := ws.AddComment(id, "hello", "")
			ws.EditComment(cid, "hello again")
			after := ws.Snapshot().Conversations[0]
			require.Equal(t, bump, after.ModifiedDate.After(before))
			require.Len(t, after.Comments, 2)
			c := after.Comments[slices.IndexFunc(after.Comments, func(c SnapComment) bool { return c.ID == cid })]
			require.Equal(t, "hello again", *c.Body)
			require.Equal(t, "external", c.Visibility)
			require.True(t, c.ModifiedDate.After(c.CreatedDate))
		}
	})

	t.Run("ResolvingCompletesSLAAndRecordsChange", func(t *testing.T) {
		t.Parallel()
		ws := generated(60, 2)
		var target SnapConversation
		for _, c := range ws.Snapshot().Conversations {
			if c.SLA != nil && c.SLA.Stage != stageCompleted && c.Stage != "resolved" {
				target = c
				break
			}
		}
		require.NotEmpty(t, target.ID)
		ws.SetStage(target.ID, "resolved")
		snap := ws.Snapshot()
		got := snap.Conversations[slices.IndexFunc(snap.Conversations, func(c SnapConversation) bool { return c.ID == target.ID })]
		require.Equal(t, "resolved", got.Stage)
		require.Equal(t, target.ChangeEvents+1, got.ChangeEvents)
		require.Equal(t, stageCompleted, got.SLA.Stage)
		for _, m := range got.SLA.Metrics {
			require.Equal(t, stageCompleted, m.Stage)
			require.NotNil(t, m.CompletedAt)
			require.NotNil(t, m.CompletedInMinutes)
		}
	})
}

func TestGenerate(t *testing.T) {
	t.Parallel()

	t.Run("IsDeterministic", func(t *testing.T) {
		t.Parallel()
		fakeapitest.RequireDeterministic(t, func(seed int64) Snapshot {
			return Generate(GenerateConfig{Seed: seed, Conversations: 200, CommentsPerConversation: 4, Start: fakeapitest.Start()}).Snapshot()
		})
	})

	t.Run("EverythingIsBeforeStart", func(t *testing.T) {
		t.Parallel()
		snap := generated(500, 5).Snapshot()
		for _, c := range snap.Conversations {
			require.True(t, c.CreatedDate.Before(fakeapitest.Start()))
			require.True(t, c.ModifiedDate.Before(fakeapitest.Start()))
			require.False(t, c.ModifiedDate.Before(c.CreatedDate))
			for _, cm := range c.Comments {
				require.True(t, cm.ModifiedDate.Before(fakeapitest.Start()))
			}
		}
	})
}

// TestSnapshotMatchesAPI reads the whole workspace through the API, decoding
// it independently with map[string]any, and compares it with Snapshot.
func TestSnapshotMatchesAPI(t *testing.T) {
	t.Parallel()
	ws := generated(120, 6)
	for _, c := range ws.Snapshot().Conversations[1:6] {
		if len(c.Comments) > 1 {
			ws.DeleteComment(c.Comments[len(c.Comments)-1].ID)
		}
	}
	b := setup(t, ws, Options{EmptyPageRate: 0.2, Seed: 3})
	want := ws.Snapshot()

	got, seen := readAll(t, b)
	require.Equal(t, want, got)

	// The data exercises what clients must cope with.
	require.True(t, seen["timeline_note_v2"], "unknown entry type")
	require.True(t, seen["x_unknown_field"], "undocumented entry field")
	require.True(t, seen["x_routing"], "undocumented conversation field")
	require.True(t, seen["sla_summary"], "embedded SLA")
	require.True(t, seen["sla_tracker_only"], "SLA needing sla-trackers.get")
	require.True(t, seen["deleted"], "deleted comment")
	require.True(t, seen["digits3"] && seen["digits6"] && seen["digits9"], "fractional digits")
	require.True(t, seen["long"], "long body")
	require.True(t, seen["channels"], "chats")
	require.True(t, seen["thread"], "threads")
}

// readAll mirrors the workspace the way a client would.
func readAll(t *testing.T, b *testBundle) (Snapshot, map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	users := map[string]SnapUser{}
	chats := map[string]SnapChat{}
	addUser := func(v any) string {
		if v == nil {
			return ""
		}
		m := v.(map[string]any)
		u := SnapUser{
			ID: str(m, "id"), DisplayID: str(m, "display_id"), Type: str(m, "type"), DisplayName: str(m, "display_name"),
			FullName: str(m, "full_name"), Email: str(m, "email"), State: str(m, "state"),
		}
		users[u.ID] = u
		return u.ID
	}
	addUsers := func(v any) []string {
		var out []string
		if v == nil {
			return out
		}
		for _, u := range v.([]any) {
			out = append(out, addUser(u))
		}
		return out
	}
	tm := func(v any) time.Time {
		s := v.(string)
		frac := s[strings.LastIndex(s, ".")+1 : len(s)-1]
		seen["digits"+strconv.Itoa(len(frac))] = true
		return parseTime(t, s)
	}
	tmPtr := func(m map[string]any, k string) *time.Time {
		if _, ok := m[k]; !ok {
			return nil
		}
		v := tm(m[k])
		return &v
	}

	comment := func(e map[string]any, replyTo string) SnapComment {
		cm := SnapComment{
			ID: str(e, "id"), AuthorID: addUser(e["created_by"]), BodyType: str(e, "body_type"), Visibility: str(e, "visibility"),
			CreatedDate: tm(e["created_date"]), ModifiedDate: tm(e["modified_date"]), ReplyTo: replyTo,
		}
		if body, ok := e["body"].(string); ok {
			cm.Body = &body
			seen["long"] = seen["long"] || len(body) > 10_000
		} else {
			seen["deleted"] = true
		}
		if arts, ok := e["artifacts"].([]any); ok {
			for _, a := range arts {
				a := a.(map[string]any)
				f := a["file"].(map[string]any)
				cm.Artifacts = append(cm.Artifacts, SnapArtifact{ID: str(a, "id"), Name: str(f, "name"), Type: str(f, "type"), Size: int(f["size"].(float64))})
			}
		}
		return cm
	}

	var snap Snapshot
	convs, _ := b.walk(t, "conversations.list", "conversations", url.Values{"limit": {"13"}})
	for _, m := range convs {
		if _, ok := m["x_routing"]; ok {
			seen["x_routing"] = true
		}
		c := SnapConversation{
			ID: str(m, "id"), DisplayID: str(m, "display_id"), Title: str(m, "title"), Description: str(m, "description"),
			Stage: str(m["stage"].(map[string]any), "name"), SourceChannel: str(m, "source_channel"),
			CreatedByID: addUser(m["created_by"]), ModifiedByID: addUser(m["modified_by"]),
			CreatedDate: tm(m["created_date"]), ModifiedDate: tm(m["modified_date"]),
			MemberIDs: addUsers(m["members"]), OwnerIDs: addUsers(m["owned_by"]), Tags: map[string]string{},
		}
		if tags, ok := m["tags"].([]any); ok {
			for _, tv := range tags {
				tv := tv.(map[string]any)
				c.Tags[str(tv["tag"].(map[string]any), "name")] = str(tv, "value")
			}
		}
		if chs, ok := m["channels"].([]any); ok {
			seen["channels"] = true
			for _, ch := range chs {
				id := str(ch.(map[string]any), "id")
				c.ChatIDs = append(c.ChatIDs, id)
				if _, done := chats[id]; done {
					continue
				}
				r := b.get(t, "chats.get", url.Values{"id": {id}})
				require.Equal(t, http.StatusOK, r.Status)
				cm := r.Object()["chat"].(map[string]any)
				require.Equal(t, "dm", cm["type"])
				chats[id] = SnapChat{
					ID: str(cm, "id"), DisplayID: str(cm, "display_id"), Title: str(cm, "title"), UserIDs: addUsers(cm["users"]),
					CreatedDate: tm(cm["created_date"]), ModifiedDate: tm(cm["modified_date"]),
				}
			}
		}

		var tracker map[string]any
		if sum, ok := m["sla_summary"].(map[string]any); ok {
			seen["sla_summary"] = true
			tracker = sum["sla_tracker"].(map[string]any)
			c.SLA = &SnapSLA{Stage: str(sum, "stage"), ClosestToBreachMetric: str(sum, "closest_to_breach_metric"), Embedded: true}
			if v, ok := sum["target_time"]; ok {
				c.SLA.TargetTime = tm(v)
			}
			require.Equal(t, sum["stage"], tracker["stage"])
		} else if ts, ok := m["sla_tracker"].(map[string]any); ok {
			seen["sla_tracker_only"] = true
			r := b.get(t, "sla-trackers.get", url.Values{"id": {str(ts, "id")}})
			require.Equal(t, http.StatusOK, r.Status)
			tracker = r.Object()["sla_tracker"].(map[string]any)
			c.SLA = &SnapSLA{Stage: str(tracker, "stage")}
		}
		if tracker != nil {
			require.Equal(t, c.ID, tracker["applies_to_id"])
			c.SLA.Status = str(tracker, "status")
			c.SLA.SLAName = str(tracker["sla"].(map[string]any), "name")
			c.SLA.TrackerID = str(tracker, "id")
			for _, mt := range tracker["metric_target_summaries"].([]any) {
				mt := mt.(map[string]any)
				sm := SnapMetric{
					Name: str(mt["metric_definition"].(map[string]any), "name"), Status: str(mt, "status"), Stage: str(mt, "stage"),
					TargetTime: tmPtr(mt, "target_time"), WarningTargetTime: tmPtr(mt, "warning_target_time"),
					BreachedAt: tmPtr(mt, "breached_at"), CompletedAt: tmPtr(mt, "completed_at"), InPolicy: mt["in_policy"].(bool),
				}
				if v, ok := mt["completed_in"].(float64); ok {
					in := int(v)
					sm.CompletedInMinutes = &in
				}
				c.SLA.Metrics = append(c.SLA.Metrics, sm)
			}
		}

		entries, _ := b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {c.ID}, "limit": {"5"}})
		for _, e := range entries {
			if _, ok := e["x_unknown_field"]; ok {
				seen["x_unknown_field"] = true
			}
			switch e["type"] {
			case "timeline_change_event":
				c.ChangeEvents++
				// The beta spec's timeline-change-event: an update whose
				// field delta is the stage, old and new.
				ev := e["event"].(map[string]any)
				require.Equal(t, "updated", ev["type"])
				delta := ev["updated"].(map[string]any)["field_deltas"].([]any)[0].(map[string]any)
				require.Equal(t, "stage", delta["name"])
				c.StageChanges = append(c.StageChanges, SnapStageChange{
					At: tm(e["created_date"]), ByID: addUser(e["created_by"]),
					From: str(delta["old_value"].(map[string]any), "name"), To: str(delta["new_value"].(map[string]any), "name"),
				})
			case "timeline_comment":
				require.Equal(t, c.ID, e["object"])
				c.Comments = append(c.Comments, comment(e, ""))
				thread, ok := e["thread"].(map[string]any)
				if !ok {
					continue
				}
				// A thread's replies are listed under their comment.
				seen["thread"] = true
				replies, _ := b.walk(t, "timeline-entries.list", "timeline_entries", url.Values{"object": {str(e, "id")}, "limit": {"1"}})
				require.Len(t, replies, int(thread["total_replies"].(float64)))
				for _, r := range replies {
					require.Equal(t, e["id"], r["object"])
					require.Equal(t, "timeline_comment", r["object_type"])
					c.Comments = append(c.Comments, comment(r, str(e, "id")))
				}
			default:
				addUser(e["created_by"])
				seen[e["type"].(string)] = true
			}
		}
		slices.SortFunc(c.Comments, func(a, b SnapComment) int { return strings.Compare(a.ID, b.ID) })
		slices.Reverse(c.StageChanges) // the timeline lists the newest first
		snap.Conversations = append(snap.Conversations, c)
	}
	for _, c := range chats {
		snap.Chats = append(snap.Chats, c)
	}
	for _, u := range users {
		snap.Users = append(snap.Users, u)
	}
	slices.SortFunc(snap.Conversations, func(a, b SnapConversation) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(snap.Chats, func(a, b SnapChat) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(snap.Users, func(a, b SnapUser) int { return strings.Compare(a.ID, b.ID) })
	return snap, seen
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, v.(string))
	require.NoError(t, err)
	return ts
}

func BenchmarkListConversations(b *testing.B) {
	ws := Generate(GenerateConfig{Seed: 1, Conversations: 20_000, CommentsPerConversation: 10, Start: fakeapitest.Start()})
	srv := fakeapitest.Serve(b, NewServer(ws, Options{}))
	b.ReportAllocs()
	for b.Loop() {
		cursor := ""
		for n := 0; n < 10; n++ { // ten pages of 100
			var page struct {
				NextCursor string `json:"next_cursor"`
			}
			fakeapitest.Fetch(b, srv.URL()+"/conversations.list?limit=100&cursor="+url.QueryEscape(cursor), &page)
			cursor = page.NextCursor
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "conversations/s")
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(GenerateConfig{Seed: 1, Conversations: 20_000, CommentsPerConversation: 10, Start: fakeapitest.Start()})
	}
}

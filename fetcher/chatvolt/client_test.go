package chatvolt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/record"
)

const testKey = "test-key"

func testStart() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

func generated(conversations, messages int) *chatvolttest.Workspace {
	return chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: 7, Conversations: conversations, MessagesPerConversation: messages, Start: testStart(),
	})
}

// mirror stands in for the database: what the jobs would have stored.
type mirror struct {
	mu            sync.Mutex
	conversations map[string]record.Conversation
	messages      map[string]record.Message
}

func newMirror() *mirror {
	return &mirror{conversations: map[string]record.Conversation{}, messages: map[string]record.Message{}}
}

func (m *mirror) apply(b *record.Batch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range b.Conversations {
		m.conversations[c.ID] = c
	}
	for _, msg := range b.Messages {
		m.messages[msg.ID] = msg
	}
}

func (m *mirror) modifiedAt(_ context.Context, ids []string) (map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]time.Time{}
	for _, id := range ids {
		if c, ok := m.conversations[id]; ok {
			out[id] = c.ModifiedAt
		}
	}
	return out, nil
}

type testBundle struct {
	ws     *chatvolttest.Workspace
	srv    *chatvolttest.Server
	client *Client
	mirror *mirror
}

// setup serves ws and returns a client for it. useMirror wires the mirror's
// lookup as the client's ModifiedAtFunc.
func setup(t *testing.T, ws *chatvolttest.Workspace, opts chatvolttest.Options, cfg Config, useMirror bool) *testBundle {
	t.Helper()
	opts.APIKey = testKey
	srv := chatvolttest.NewServer(ws, opts)
	t.Cleanup(srv.Close)
	m := newMirror()
	cfg.BaseURL = srv.URL()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if useMirror {
		cfg.ModifiedAtFunc = m.modifiedAt
	}
	if opts.RateLimit == 0 && cfg.RateLimit.IsZero() && cfg.HTTP.Pacer == nil {
		// No limit to learn: spare the tests the pacer's slow start.
		cfg.HTTP.Pacer = fetcher.NewPacer(fetcher.PacerConfig{Limit: fetcher.RateLimit{Requests: 1 << 20, Window: time.Second}})
	}
	client, err := NewClient(cfg)
	require.NoError(t, err)
	return &testBundle{ws: ws, srv: srv, client: client, mirror: m}
}

// walkResult is what one pass over the conversations returned.
type walkResult struct {
	counts      map[string]int // conversation id → times returned
	records     map[string]record.Conversation
	batch       record.Batch
	maxModified time.Time
	pages       int
	// ties counts the steps that split one millisecond by filters, and
	// boundaryTies the windows that ended on a millisecond shared by several
	// conversations already returned.
	ties, boundaryTies int
}

func (r walkResult) ids() []string {
	ids := make([]string, 0, len(r.counts))
	for id := range r.counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// walk runs a pass as the jobs do: page after page until NextCursor is empty,
// storing each page in the mirror before asking for the next, retrying a page
// that failed transiently.
func (b *testBundle) walk(t *testing.T, since time.Time) walkResult {
	t.Helper()
	res := walkResult{counts: map[string]int{}, records: map[string]record.Conversation{}}
	cursor := ""
	for range 20_000 {
		var page *fetcher.ConversationPage
		for attempt := 0; ; attempt++ {
			var err error
			page, err = b.client.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: cursor, ModifiedSince: since})
			var retryErr *fetcher.RetryableError
			if errors.As(err, &retryErr) && attempt < 20 {
				continue
			}
			require.NoError(t, err)
			break
		}
		res.pages++
		require.Empty(t, page.Batch.Quarantined)
		for _, c := range page.Batch.Conversations {
			res.counts[c.ID]++
			res.records[c.ID] = c
		}
		res.batch.Merge(&page.Batch)
		if page.MaxModified.After(res.maxModified) {
			res.maxModified = page.MaxModified
		}
		b.mirror.apply(&page.Batch)
		if page.NextCursor == "" {
			return res
		}
		require.NotEqual(t, cursor, page.NextCursor, "the cursor must advance")
		cursor = page.NextCursor
		st, err := decodeCursor(cursor)
		require.NoError(t, err)
		if st.Tie != nil {
			res.ties++
		}
		if len(st.Boundary) > 1 {
			res.boundaryTies++
		}
	}
	t.Fatal("the pass did not end")
	return res
}

func snapIDs(snap chatvolttest.Snapshot) []string {
	ids := make([]string, 0, len(snap.Conversations))
	for _, c := range snap.Conversations {
		ids = append(ids, c.ID)
	}
	return ids
}

// tieGroups are the conversations that share a createdAt with another.
func tieGroups(snap chatvolttest.Snapshot) [][]chatvolttest.SnapConversation {
	by := map[time.Time][]chatvolttest.SnapConversation{}
	for _, c := range snap.Conversations {
		by[c.CreatedAt] = append(by[c.CreatedAt], c)
	}
	var groups [][]chatvolttest.SnapConversation
	for _, g := range by {
		if len(g) > 1 {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b []chatvolttest.SnapConversation) int { return b[0].CreatedAt.Compare(a[0].CreatedAt) })
	return groups
}

var pagingModes = []struct {
	name string
	opts chatvolttest.Options
	cfg  Config
}{
	{"Cursor", chatvolttest.Options{Paging: chatvolttest.PagingCursor}, Config{PageSize: 7}},
	{"PlainArray", chatvolttest.Options{Paging: chatvolttest.PagingPlainArray, MaxListItems: 7}, Config{}},
}

func TestListConversations(t *testing.T) {
	t.Parallel()

	for _, mode := range pagingModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()

			t.Run("ReturnsEveryConversationExactlyOnceInDetail", func(t *testing.T) {
				t.Parallel()
				b := setup(t, generated(300, 1), mode.opts, mode.cfg, false)
				snap := b.ws.Snapshot()
				require.NotEmpty(t, tieGroups(snap), "the workspace must have conversations created in the same millisecond")

				res := b.walk(t, time.Time{})
				require.Equal(t, snapIDs(snap), res.ids())
				for id, n := range res.counts {
					require.Equal(t, 1, n, "conversation %s returned %d times", id, n)
				}
				st := b.srv.Stats()
				require.Equal(t, 300, st.Requests["conversation.get"], "one detail read per conversation")
				if mode.opts.Paging == chatvolttest.PagingPlainArray {
					require.Greater(t, st.Requests["conversation.list"], 300/7)
					require.Positive(t, res.boundaryTies, "some windows end on a millisecond several conversations share")
				} else {
					require.Equal(t, (300+6)/7, st.Requests["conversation.list"])
				}

				participants := map[string][]string{}
				for _, p := range res.batch.Participants {
					if p.Role == record.RoleAssignee {
						participants[p.ConversationID] = append(participants[p.ConversationID], p.UserID)
					}
				}
				tags := map[string][]string{}
				for _, tg := range res.batch.Tags {
					tags[tg.ConversationID] = append(tags[tg.ConversationID], tg.Tag)
				}
				var newest time.Time
				for _, want := range snap.Conversations {
					got := res.records[want.ID]
					require.Equal(t, want.Title, got.Title)
					require.Equal(t, want.Channel, got.Channel)
					require.Equal(t, want.Status, got.NativeStatus)
					require.Equal(t, map[string]string{"RESOLVED": "resolved", "UNRESOLVED": "open", "HUMAN_REQUESTED": "pending"}[want.Status], got.Status)
					require.Equal(t, strings.ToLower(want.Priority), got.Priority)
					require.Equal(t, want.CreatedAt, got.CreatedAt)
					require.Equal(t, want.UpdatedAt, got.ModifiedAt)
					require.ElementsMatch(t, want.AssigneeIDs, participants[want.ID])
					require.ElementsMatch(t, want.Tags, tags[want.ID])
					for name := range want.Variables {
						require.Contains(t, string(got.Raw), name, "variables are kept in raw")
					}
					for _, l := range want.CRM {
						require.Contains(t, string(got.Raw), l.ScenarioID, "CRM links are kept in raw")
					}
					if want.UpdatedAt.After(newest) {
						newest = want.UpdatedAt
					}
				}
				require.Equal(t, newest, res.maxModified)
				require.ElementsMatch(t, snapIDs(snap), res.batch.ParticipantsOf)
			})

			t.Run("SurvivesTransientFailures", func(t *testing.T) {
				t.Parallel()
				opts := mode.opts
				opts.FailureRate, opts.Seed = 0.05, 3
				b := setup(t, generated(60, 0), opts, mode.cfg, false)
				res := b.walk(t, time.Time{})
				require.Equal(t, snapIDs(b.ws.Snapshot()), res.ids())
				require.Positive(t, b.srv.Stats().Failures)
			})
		})
	}
}

func TestListConversationsPlainArrayTies(t *testing.T) {
	t.Parallel()

	// With at most two conversations per answer, every pair created in one
	// millisecond fills a whole answer: the walk has to split it by status.
	setupTies := func(t *testing.T) (*testBundle, [][]chatvolttest.SnapConversation) {
		t.Helper()
		b := setup(t, generated(300, 1), chatvolttest.Options{Paging: chatvolttest.PagingPlainArray, MaxListItems: 2}, Config{}, false)
		groups := tieGroups(b.ws.Snapshot())
		require.GreaterOrEqual(t, len(groups), 2)
		statuses := []string{"RESOLVED", "UNRESOLVED", "HUMAN_REQUESTED"}
		for _, g := range groups {
			require.LessOrEqual(t, len(g), len(statuses))
			for i, c := range g {
				b.ws.SetStatus(c.ID, statuses[i])
			}
		}
		return b, groups
	}

	t.Run("SplitsAMillisecondByStatus", func(t *testing.T) {
		t.Parallel()
		b, _ := setupTies(t)
		res := b.walk(t, time.Time{})
		require.Positive(t, res.ties)
		require.Equal(t, snapIDs(b.ws.Snapshot()), res.ids())
		for id, n := range res.counts {
			require.Equal(t, 1, n, "conversation %s returned %d times", id, n)
		}
	})

	t.Run("ReportsAMillisecondNoFilterCanSplit", func(t *testing.T) {
		t.Parallel()
		b, groups := setupTies(t)
		last := groups[len(groups)-1]
		for _, c := range last[:2] {
			b.ws.SetStatus(c.ID, "RESOLVED")
			b.ws.MarkRead(c.ID)
		}
		cursor := ""
		var err error
		for range 20_000 {
			var page *fetcher.ConversationPage
			page, err = b.client.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: cursor})
			if err != nil || page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		require.ErrorIs(t, err, ErrUnwalkableListing)
		require.ErrorContains(t, err, "created at "+formatTime(last[0].CreatedAt))
	})
}

func TestListConversationsPlainArrayOrder(t *testing.T) {
	t.Parallel()

	// The window walk relies on the cap keeping the newest conversations. A
	// server that keeps the oldest, or the last updated, must fail the pass
	// rather than have it end after a window or two with most of the account
	// missing.
	for _, tc := range []struct {
		order      chatvolttest.ListOrder
		unwalkable bool
	}{
		{chatvolttest.OrderNewestFirst, false},
		{chatvolttest.OrderOldestFirst, true},
		{chatvolttest.OrderRecentlyUpdated, true},
	} {
		t.Run(tc.order.String(), func(t *testing.T) {
			t.Parallel()
			opts := chatvolttest.Options{Paging: chatvolttest.PagingPlainArray, MaxListItems: 7, ListOrder: tc.order}
			ws := generated(100, 1)
			// A new message on the oldest conversation puts it first by
			// updatedAt.
			oldest := slices.MinFunc(ws.Snapshot().Conversations, func(a, b chatvolttest.SnapConversation) int { return a.CreatedAt.Compare(b.CreatedAt) })
			ws.AddMessage(oldest.ID, "again", "human")
			b := setup(t, ws, opts, Config{}, false)
			seen, err := walkAll(t, b.client)
			if !tc.unwalkable {
				require.NoError(t, err)
				require.Len(t, seen, 100)
				return
			}
			require.ErrorIs(t, err, ErrUnwalkableListing, "the pass listed %d of 100 conversations", len(seen))
			require.ErrorIs(t, err, fetcher.ErrBrokenListing, "the jobs give the pass up")
			require.ErrorContains(t, err, "not newest first")
		})
	}
}

// TestListConversationsPlainArraySmallAccount: an answer as long as the
// longest seen may be whole, not cut (the server's cap is unknown until an
// answer is cut). One not sorted newest first is checked with two narrower
// windows instead of failing the pass: an account that fits in one answer is
// listed whole in any order, and one a single conversation larger than the
// cap still fails when its answers cannot be walked.
func TestListConversationsPlainArraySmallAccount(t *testing.T) {
	t.Parallel()
	for _, order := range []chatvolttest.ListOrder{chatvolttest.OrderNewestFirst, chatvolttest.OrderOldestFirst, chatvolttest.OrderRecentlyUpdated} {
		for _, size := range []int{1, 5, 7, 8} {
			t.Run(fmt.Sprintf("%s/%d", order, size), func(t *testing.T) {
				t.Parallel()
				ws := chatvolttest.NewWorkspace(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
				oldest := ws.AddConversation("conversation 0")
				for i := 1; i < size; i++ {
					ws.AddConversation(fmt.Sprintf("conversation %d", i))
				}
				// The oldest is the last updated: first by updatedAt.
				ws.AddMessage(oldest, "again", "human")
				opts := chatvolttest.Options{Paging: chatvolttest.PagingPlainArray, MaxListItems: 7, ListOrder: order}
				b := setup(t, ws, opts, Config{}, false)
				seen, err := walkAll(t, b.client)
				if size > 7 && order != chatvolttest.OrderNewestFirst {
					require.ErrorIs(t, err, ErrUnwalkableListing, "the pass listed %d of %d conversations", len(seen), size)
					require.ErrorContains(t, err, "not newest first")
					return
				}
				require.NoError(t, err)
				require.Len(t, seen, size)
				for id, n := range seen {
					require.Equal(t, 1, n, id)
				}
			})
		}
	}
}

// TestACheckedAnswerOnALiveAccount: a conversation created between a full
// answer not sorted newest first and the windows that check it is no sign
// that the answer was cut; and a server that starts paging by cursor during
// the check has the phase listed again in its dialect.
func TestACheckedAnswerOnALiveAccount(t *testing.T) {
	t.Parallel()
	small := func(t *testing.T, paging chatvolttest.PagingMode) (*chatvolttest.Workspace, *testBundle) {
		// The clock starts now, so that what is created during the walk is
		// newer than when its first answer was asked for.
		ws := chatvolttest.NewWorkspace(time.Now())
		for i := range 5 {
			ws.AddConversation(fmt.Sprintf("conversation %d", i))
		}
		opts := chatvolttest.Options{Paging: paging, MaxListItems: 7, ListOrder: chatvolttest.OrderOldestFirst}
		return ws, setup(t, ws, opts, Config{}, false)
	}
	first := func(t *testing.T, b *testBundle) (map[string]int, string) {
		page, err := b.client.ListConversations(t.Context(), fetcher.ConversationQuery{})
		require.NoError(t, err)
		require.Len(t, page.Batch.Conversations, 5)
		seen := map[string]int{}
		for _, c := range page.Batch.Conversations {
			seen[c.ID]++
		}
		return seen, page.NextCursor
	}
	rest := func(t *testing.T, c *Client, seen map[string]int, cursor string) {
		for cursor != "" {
			page, err := c.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: cursor})
			require.NoError(t, err)
			for _, c := range page.Batch.Conversations {
				seen[c.ID]++
			}
			cursor = page.NextCursor
		}
	}

	t.Run("ANewConversation", func(t *testing.T) {
		t.Parallel()
		ws, b := small(t, chatvolttest.PagingPlainArray)
		seen, cursor := first(t, b)
		created := ws.AddConversation("new meanwhile")
		rest(t, b.client, seen, cursor)
		require.Len(t, seen, 6, "the new conversation is listed as well")
		require.Equal(t, 1, seen[created])
	})

	t.Run("AnOldConversationChangedMeanwhile", func(t *testing.T) {
		t.Parallel()
		// 30 conversations, oldest first, 7 an answer: the first answer
		// was cut. The 8th oldest, the one conversation beyond it that the
		// check's second window shows, gets a message meanwhile: a change
		// does not bring a conversation into a listing of every status, so
		// it is still evidence of the cut.
		ws := chatvolttest.NewWorkspace(time.Now().Add(-time.Hour))
		var ids []string
		for i := range 30 {
			ids = append(ids, ws.AddConversation(fmt.Sprintf("conversation %d", i)))
		}
		opts := chatvolttest.Options{Paging: chatvolttest.PagingPlainArray, MaxListItems: 7, ListOrder: chatvolttest.OrderOldestFirst}
		b := setup(t, ws, opts, Config{}, false)
		page, err := b.client.ListConversations(t.Context(), fetcher.ConversationQuery{})
		require.NoError(t, err)
		require.Len(t, page.Batch.Conversations, 7)
		ws.Wait(2 * time.Hour) // past the time the answer was asked for
		ws.AddMessage(ids[7], "still here", "human")
		seen := map[string]int{}
		for _, c := range page.Batch.Conversations {
			seen[c.ID]++
		}
		cursor := page.NextCursor
		for cursor != "" {
			page, err = b.client.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: cursor})
			if err != nil {
				break
			}
			for _, c := range page.Batch.Conversations {
				seen[c.ID]++
			}
			cursor = page.NextCursor
		}
		require.ErrorIs(t, err, ErrUnwalkableListing, "the pass listed %d of 30 conversations", len(seen))
	})

	t.Run("PageSizeOne", func(t *testing.T) {
		t.Parallel()
		// An answer as long as the limit asked for may have been cut, even
		// when it holds one conversation: with one an answer, the walk
		// cannot tell conversations of one millisecond apart, and says so
		// rather than list one of five.
		ws := generated(5, 1)
		opts := chatvolttest.Options{Paging: chatvolttest.PagingPlainArray, MaxListItems: 1}
		b := setup(t, ws, opts, Config{PageSize: 1}, false)
		seen, err := walkAll(t, b.client)
		require.ErrorIs(t, err, ErrUnwalkableListing, "the pass listed %d of 5 conversations", len(seen))
	})

	t.Run("CursorPagingMeanwhile", func(t *testing.T) {
		t.Parallel()
		ws, b := small(t, chatvolttest.PagingPlainArray)
		seen, cursor := first(t, b)
		for i := range 10 {
			ws.AddConversation(fmt.Sprintf("created meanwhile %d", i))
		}
		cursorServer := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: testKey, Paging: chatvolttest.PagingCursor})
		t.Cleanup(cursorServer.Close)
		client, err := NewClient(Config{BaseURL: cursorServer.URL(), APIKey: testKey})
		require.NoError(t, err)
		rest(t, client, seen, cursor)
		require.Len(t, seen, 15)
	})
}

func TestIncrementalPass(t *testing.T) {
	t.Parallel()

	for _, mode := range pagingModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()

			// setupChanged syncs a workspace fully, then changes a few
			// conversations the way visitors and operators do.
			setupChanged := func(t *testing.T, useMirror bool) (b *testBundle, since time.Time, changed []string) {
				t.Helper()
				ws := generated(200, 1)
				toResolve := ws.AddConversation("Vai ser resolvida")
				b = setup(t, ws, mode.opts, mode.cfg, useMirror)
				res := b.walk(t, time.Time{})
				require.Len(t, res.counts, 201)
				since = res.maxModified.Add(-5 * time.Minute)

				var unresolved, humanRequested []string
				for _, c := range b.ws.Snapshot().Conversations {
					switch {
					case c.ID == toResolve:
					case c.Status == "UNRESOLVED":
						unresolved = append(unresolved, c.ID)
					case c.Status == "HUMAN_REQUESTED":
						humanRequested = append(humanRequested, c.ID)
					}
				}
				created := b.ws.AddConversation("Nova conversa")
				b.ws.AddMessage(created, "Oi?", "human")
				b.ws.AddMessage(unresolved[0], "Alguém aí?", "human")
				b.ws.AddMessage(unresolved[len(unresolved)-1], "Resolvido, obrigado", "agent")
				b.ws.SetPriority(humanRequested[0], "HIGH")
				b.ws.SetStatus(toResolve, "RESOLVED")
				changed = []string{created, unresolved[0], unresolved[len(unresolved)-1], humanRequested[0], toResolve}
				slices.Sort(changed)
				b.srv.ResetStats()
				return b, since, changed
			}

			t.Run("ReadsOnlyTheChangedConversations", func(t *testing.T) {
				t.Parallel()
				b, since, changed := setupChanged(t, true)
				res := b.walk(t, since)
				require.Equal(t, changed, res.ids())
				for id, n := range res.counts {
					require.Equal(t, 1, n, "conversation %s returned %d times", id, n)
				}
				require.Equal(t, len(changed), b.srv.Stats().Requests["conversation.get"], "details only for changed conversations")
				resolved := b.mirror.conversations[changed[slices.IndexFunc(changed, func(id string) bool {
					return res.records[id].NativeStatus == "RESOLVED"
				})]]
				require.Equal(t, record.StatusResolved, resolved.Status, "a recent conversation resolved since the last pass is seen")

				// Nothing changed since: the next pass reads no details at all.
				b.srv.ResetStats()
				res = b.walk(t, res.maxModified.Add(-5*time.Minute))
				require.Empty(t, res.counts)
				require.Zero(t, b.srv.Stats().Requests["conversation.get"])
				require.Positive(t, b.srv.Stats().Requests["conversation.list"])
			})

			t.Run("WithoutModifiedAtFuncReadsEveryListedConversation", func(t *testing.T) {
				t.Parallel()
				b, since, changed := setupChanged(t, false)
				snap := b.ws.Snapshot()
				listed := 0
				for _, c := range snap.Conversations {
					if c.Status != "RESOLVED" {
						listed++ // the listings of unresolved conversations
					}
					if !c.CreatedAt.Before(since.Add(-DefaultResolvedLookback).Truncate(time.Millisecond)) {
						listed++ // the listing of recent conversations
					}
				}
				res := b.walk(t, since)
				require.Subset(t, res.ids(), changed)
				require.Equal(t, listed, b.srv.Stats().Requests["conversation.get"])
			})
		})
	}
}

func TestListMessages(t *testing.T) {
	t.Parallel()

	// addLong adds a conversation with n messages to ws.
	addLong := func(ws *chatvolttest.Workspace, title string, n int) string {
		id := ws.AddConversation(title)
		for i := range n {
			ws.AddMessage(id, fmt.Sprintf("mensagem %d", i), []string{"human", "agent"}[i%2])
		}
		return id
	}
	// setupLong returns a conversation with n messages.
	setupLong := func(t *testing.T, n int) (*testBundle, string) {
		t.Helper()
		ws := chatvolttest.NewWorkspace(testStart())
		id := addLong(ws, "Longa", n)
		return setup(t, ws, chatvolttest.Options{}, Config{}, false), id
	}
	messageIDs := func(b *record.Batch) []string {
		return fakeapi.IDs(b.Messages, func(m record.Message) string { return m.ID })
	}
	snapMessageIDs := func(ws *chatvolttest.Workspace, id string) []string {
		for _, c := range ws.Snapshot().Conversations {
			if c.ID == id {
				return c.MessageIDs()
			}
		}
		return nil
	}

	t.Run("ReadsTheWholeHistoryInOneRequest", func(t *testing.T) {
		t.Parallel()
		b, id := setupLong(t, 150)
		longer := addLong(b.ws, "Mais longa", 160)
		_, err := b.client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: longer})
		require.NoError(t, err)
		page, err := b.client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: id})
		require.NoError(t, err)
		require.Empty(t, page.NextCursor)
		require.Equal(t, snapMessageIDs(b.ws, id), messageIDs(&page.Batch))
		require.Equal(t, 2, b.srv.Stats().Requests["conversation.messages"])
		from, ok := page.Reconciles()
		require.True(t, ok)
		require.Zero(t, from, "the whole history: shorter than an answer seen")
	})

	// Chatvolt documents no maximum count. A server that serves fewer than
	// asked without saying so must not have the messages beyond its cap
	// taken for deleted: an answer as long as the longest seen may have
	// been cut.
	t.Run("AnUnsaidCapIsNoDeletion", func(t *testing.T) {
		t.Parallel()
		b, id := setupLong(t, 150)
		short := addLong(b.ws, "Curta", 30)
		// A proxy that asks the fake for the latest 100 whatever the count.
		target, err := url.Parse(b.srv.URL())
		require.NoError(t, err)
		proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = strings.Replace(r.Out.URL.Path, "/messages/"+strconv.Itoa(MaxMessages), "/messages/100", 1)
		}}
		front := httptest.NewServer(proxy)
		t.Cleanup(front.Close)
		client, err := NewClient(Config{BaseURL: front.URL, APIKey: testKey})
		require.NoError(t, err)

		page, err := client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: id})
		require.NoError(t, err)
		require.Len(t, page.Batch.Messages, 100)
		from, ok := page.Reconciles()
		require.True(t, ok)
		require.False(t, from.IsZero(), "an answer as long as the longest seen may have been cut")
		page, err = client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: short})
		require.NoError(t, err)
		from, ok = page.Reconciles()
		require.True(t, ok)
		require.Zero(t, from, "a shorter one is the whole history")
	})

	t.Run("CoversOnlyTheLatestTheAPIServes", func(t *testing.T) {
		t.Parallel()
		b, id := setupLong(t, MaxMessages+20)
		page, err := b.client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: id})
		require.NoError(t, err)
		require.Empty(t, page.Batch.Quarantined)
		all := snapMessageIDs(b.ws, id)
		require.Equal(t, all[20:], messageIDs(&page.Batch), "the latest MaxMessages")
		require.Equal(t, 1, b.srv.Stats().Requests["conversation.messages"])
		from, ok := page.Reconciles()
		require.True(t, ok)
		var oldest time.Time
		for _, c := range b.ws.Snapshot().Conversations {
			if c.ID == id {
				oldest = c.Messages[20].CreatedAt
			}
		}
		require.True(t, from.Equal(oldest.Add(time.Microsecond)), "only what was created after the oldest the window holds may be taken for deleted (a tie may lie beyond it): from just after %s, not %s", oldest, from)
	})

	t.Run("MapsAuthorsAndFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(40, 6), chatvolttest.Options{}, Config{}, false)
		authors := map[string]int{}
		for _, want := range b.ws.Snapshot().Conversations {
			page, err := b.client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: want.ID})
			require.NoError(t, err)
			require.Empty(t, page.Batch.Quarantined)
			require.Len(t, page.Batch.Messages, len(want.Messages))
			got := map[string]record.Message{}
			for _, m := range page.Batch.Messages {
				got[m.ID] = m
			}
			for _, w := range want.Messages {
				m := got[w.ID]
				require.Equal(t, want.ID, m.ConversationID)
				require.Equal(t, w.Text, *m.Body)
				require.Equal(t, record.VisibilityPublic, m.Visibility)
				require.Equal(t, w.CreatedAt, m.CreatedAt)
				require.Equal(t, w.UpdatedAt, m.ModifiedAt)
				switch {
				case w.From == "agent" && w.UserID != "":
					require.Equal(t, record.AuthorAgent, m.AuthorType, "an operator")
					require.Equal(t, w.UserID, m.AuthorID)
				case w.From == "agent":
					require.Equal(t, record.AuthorBot, m.AuthorType, "the AI agent")
					require.Equal(t, w.AgentID, m.AuthorID)
				default:
					require.Equal(t, record.AuthorContact, m.AuthorType)
					require.Contains(t, []string{w.ContactID, w.VisitorID, w.UserID}, m.AuthorID)
					require.NotEmpty(t, m.AuthorID)
				}
				authors[m.AuthorType]++
			}
		}
		require.Len(t, authors, 3, "bots, operators and customers all appear")
	})

	t.Run("UnknownConversationIsNotFound", func(t *testing.T) {
		t.Parallel()
		b, _ := setupLong(t, 1)
		_, err := b.client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: "nope"})
		require.True(t, fetcher.IsNotFound(err), "%v", err)
	})
}

func TestGetConversation(t *testing.T) {
	t.Parallel()
	b := setup(t, generated(20, 1), chatvolttest.Options{}, Config{}, false)
	want := b.ws.Snapshot().Conversations[3]

	page, err := b.client.GetConversation(t.Context(), want.ID)
	require.NoError(t, err)
	require.Len(t, page.Batch.Conversations, 1)
	require.Equal(t, want.ID, page.Batch.Conversations[0].ID)
	require.Equal(t, want.UpdatedAt, page.MaxModified)
	require.Equal(t, []string{want.ID}, page.Batch.ParticipantsOf)

	b.ws.DeleteConversation(want.ID)
	_, err = b.client.GetConversation(t.Context(), want.ID)
	require.True(t, fetcher.IsNotFound(err), "%v", err)

	t.Run("NoChatsNoSLA", func(t *testing.T) {
		t.Parallel()
		var src fetcher.Source = b.client
		_, chats := src.(fetcher.ChatGetter)
		_, slas := src.(fetcher.SLATrackerGetter)
		require.False(t, chats || slas, "Chatvolt has neither: the jobs never ask")
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()

	t.Run("WrongKeyIsAnAuthError", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(3, 0), chatvolttest.Options{}, Config{APIKey: "wrong"}, false)
		_, err := b.client.ListConversations(t.Context(), fetcher.ConversationQuery{})
		require.True(t, fetcher.IsAuthError(err), "%v", err)
		require.NotContains(t, err.Error(), "wrong", "the key never appears in errors")
	})

	t.Run("KeyIsRequired", func(t *testing.T) {
		t.Parallel()
		_, err := NewClient(Config{})
		require.ErrorContains(t, err, "no API key")
	})

	t.Run("InvalidCursorIsRefused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(3, 0), chatvolttest.Options{}, Config{}, false)
		_, err := b.client.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: "not-ours"})
		require.ErrorContains(t, err, "invalid conversation cursor")
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()

	t.Run("ThrottlesWaitSecondsNotMinutes", func(t *testing.T) {
		t.Parallel()
		// A limit of one request an hour: every probe is refused, alternately
		// with 429 and 419, and none says how long to wait.
		b := setup(t, generated(5, 0), chatvolttest.Options{Faults: fakeapi.Faults{RateLimit: 1, RateWindow: time.Hour}},
			Config{HTTP: fetcher.Config{MaxInlineWait: time.Second}}, false)
		id := b.ws.Snapshot().Conversations[0].ID
		_, err := b.client.GetConversation(t.Context(), id)
		require.NoError(t, err)

		_, err = b.client.GetConversation(t.Context(), id)
		var rateErr *fetcher.RateLimitedError
		require.ErrorAs(t, err, &rateErr, "429 and 419 alike")
		// Probes inline after 100, 200 and 400 ms; the next, 800 ms away,
		// would take the call's waits past the second it may wait.
		require.Equal(t, 4, b.srv.Stats().RateLimited)
		require.GreaterOrEqual(t, rateErr.Wait, 800*time.Millisecond)
		require.Less(t, rateErr.Wait, 5*time.Second, "seconds, not minutes")
		require.Greater(t, b.client.Pacer().Delay(), time.Duration(0), "every worker of the source waits")
	})

	t.Run("AStatedLimitPacesFromTheFirstRequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, generated(5, 0), chatvolttest.Options{}, Config{RateLimit: fetcher.RateLimit{Requests: 60, Window: time.Minute}}, false)
		id := b.ws.Snapshot().Conversations[0].ID
		started := time.Now()
		_, err := b.client.GetConversation(t.Context(), id)
		require.NoError(t, err)
		// The next slot is the interval after the request's: the delay
		// left is the interval less the time since, which a busy machine
		// may stretch, so the interval is bounded from both sides.
		delay := b.client.Pacer().Delay()
		elapsed := time.Since(started)
		require.LessOrEqual(t, delay, time.Second+100*time.Millisecond, "a request a second, less a margin")
		require.GreaterOrEqual(t, delay+elapsed, time.Second-100*time.Millisecond, "a request a second, less a margin")
	})
}

// TestAnAnswerWithoutMessagesIsNoRead: a 200 whose body holds no list of
// messages fails the read instead of reading as an empty conversation,
// which would take every message for deleted.
func TestAnAnswerWithoutMessagesIsNoRead(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `null`, `{"messages":null}`, `{"error":"not found"}`} {
		client, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, body), APIKey: "k"})
		require.NoError(t, err)
		page, err := client.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: "c1"})
		require.Error(t, err, body)
		require.Nil(t, page, body)
	}
}

// TestANullConversationIsNotFound: Chatvolt answers a conversation it does
// not have with 200 and null (its handler returns what its lookup found):
// that is a conversation gone, which a sweep's check marks deleted, not a
// record to quarantine under no id.
func TestANullConversationIsNotFound(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`null`, " null\n"} {
		client, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, body), APIKey: "k"})
		require.NoError(t, err)
		page, err := client.GetConversation(t.Context(), "c1")
		require.True(t, fetcher.IsNotFound(err), "%q: %v", body, err)
		require.Nil(t, page)
	}
}

// TestAListingWithoutAListIsNoPage: a 200 whose body holds no list of
// conversations, or a null one, fails the page instead of reading as an
// empty listing, which would end a backfill with nothing.
func TestAListingWithoutAListIsNoPage(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `null`, `{"conversations":null,"nextCursor":null}`, `{"data":null}`} {
		client, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, body), APIKey: "k", HTTP: fetcher.Config{Attempts: 1}})
		require.NoError(t, err)
		page, err := client.ListConversations(t.Context(), fetcher.ConversationQuery{})
		require.Error(t, err, body)
		require.Nil(t, page, body)
	}
}

// TestAConversationThatCannotBeReadIsQuarantined: a listed conversation
// whose detail the API will not give (a 5xx that does not pass, a 403 of
// that one record) is quarantined and the rest of its page lands, instead
// of failing the page, and with it every pass, at the same conversation for
// ever; a refused key still fails the page, and a rate limit is never
// quarantined: it fails the page, or, when other reads were answered before
// it, cuts the page short (see TestARateLimitCutsAStepShortWithoutLosingIt).
func TestAConversationThatCannotBeReadIsQuarantined(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status      int
		quarantined bool
	}{
		"ServerErrorThatDoesNotPass": {http.StatusInternalServerError, true},
		"ForbiddenThatOneRecord":     {http.StatusForbidden, true},
		"KeyRefused":                 {http.StatusUnauthorized, false},
		"RateLimited":                {http.StatusTooManyRequests, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ws := generated(8, 0)
			victim := ws.Snapshot().Conversations[3].ID
			srv := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: testKey})
			t.Cleanup(srv.Close)
			proxy := fakeapitest.Serve(t, httptest.NewServer(faultproxy.New(srv.Handler(), faultproxy.Rule{
				PathSuffix: "/conversation/" + victim,
				Fault:      faultproxy.Status(tc.status, `{"error":"cannot"}`),
			})))
			client, err := NewClient(Config{BaseURL: proxy.URL, APIKey: testKey, HTTP: fetcher.Config{Attempts: 1, MaxInlineWait: time.Millisecond,
				Pacer: fetcher.NewPacer(fetcher.PacerConfig{Limit: fetcher.RateLimit{Requests: 1 << 20, Window: time.Second}})}})
			require.NoError(t, err)
			page, err := client.ListConversations(t.Context(), fetcher.ConversationQuery{})
			if tc.status == http.StatusTooManyRequests && err == nil {
				// The reads done before the refusal are kept (see
				// TestARateLimitCutsAStepShortWithoutLosingIt); the refused
				// one waits for the step's next attempt.
				require.Empty(t, page.Batch.Quarantined)
				require.NotContains(t, fakeapi.IDs(page.Batch.Conversations, func(c record.Conversation) string { return c.ID }), victim)
				require.NotEmpty(t, page.NextCursor)
				return
			}
			if !tc.quarantined {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, page.Batch.Quarantined, 1)
			require.Equal(t, victim, page.Batch.Quarantined[0].RecordID)
			require.Contains(t, page.Batch.Quarantined[0].Error, strconv.Itoa(tc.status))
			require.Len(t, page.Batch.Conversations, 7, "the rest of the page")
		})
	}
}

// TestADetailEndpointDownFailsThePage: when no conversation's detail is
// answered, a 5xx is the endpoint's, not the conversations': the page fails
// (its job retries it later) instead of quarantining every changed
// conversation of every page while the listing works.
func TestADetailEndpointDownFailsThePage(t *testing.T) {
	t.Parallel()
	ws := generated(8, 0)
	srv := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: testKey})
	t.Cleanup(srv.Close)
	var rules []faultproxy.Rule
	for _, c := range ws.Snapshot().Conversations {
		rules = append(rules, faultproxy.Rule{PathSuffix: "/conversation/" + c.ID, Fault: faultproxy.Status(http.StatusBadGateway, `bad gateway`)})
	}
	proxy := fakeapitest.Serve(t, httptest.NewServer(faultproxy.New(srv.Handler(), rules...)))
	client, err := NewClient(Config{BaseURL: proxy.URL, APIKey: testKey, HTTP: fetcher.Config{Attempts: 1,
		Pacer: fetcher.NewPacer(fetcher.PacerConfig{Limit: fetcher.RateLimit{Requests: 1 << 20, Window: time.Second}})}})
	require.NoError(t, err)
	page, err := client.ListConversations(t.Context(), fetcher.ConversationQuery{})
	var transient *fetcher.RetryableError
	require.ErrorAs(t, err, &transient)
	require.Nil(t, page)
}

// TestARateLimitCutsAStepShortWithoutLosingIt: when the rate limit stops a
// step's detail reads after some were done, the page holds those and the
// next takes the same step again, less them: a step that needs more reads
// than the rate allows in one job goes on over several, instead of reading
// the same conversations again at every attempt for ever.
func TestARateLimitCutsAStepShortWithoutLosingIt(t *testing.T) {
	t.Parallel()
	ws := generated(10, 0)
	srv := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: testKey})
	t.Cleanup(srv.Close)
	// Each step has a front of its own, which counts its detail requests
	// (a request the first step cancelled may reach its front late), and
	// runs in a client of its own, as a job snoozed and taken up again
	// would. The first step's front refuses, with a long wait, every detail
	// request after detailConcurrency: with that many reads at a time, one
	// more request means a read was done, so the cut comes after at least
	// one.
	step := func(cursor string, refuseAfter int) (*fetcher.ConversationPage, int, error) {
		client, details := detailFront(t, srv, func(n int, w http.ResponseWriter) bool {
			return refuseAfter > 0 && n > refuseAfter && refuseForAMinute(w)
		})
		page, err := client.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: cursor})
		return page, details(), err
	}

	first, _, err := step("", detailConcurrency)
	require.NoError(t, err, "a cut step is no failure")
	read := fakeapi.IDs(first.Batch.Conversations, func(c record.Conversation) string { return c.ID })
	require.NotEmpty(t, read)
	require.Less(t, len(read), 10)
	require.NotEmpty(t, first.NextCursor, "the same step again")

	// One of those read changes meanwhile: the step reads it again.
	changed := read[0]
	ws.SetPriority(changed, "HIGH") // bumps its updatedAt
	second, details, err := step(first.NextCursor, 0)
	require.NoError(t, err)
	rest := fakeapi.IDs(second.Batch.Conversations, func(c record.Conversation) string { return c.ID })
	require.Contains(t, rest, changed, "one read but changed since is read again")
	rest = slices.DeleteFunc(rest, func(id string) bool { return id == changed })
	require.Equal(t, 10-len(read)+1, details, "what the first step read, unchanged, is not read again")
	require.ElementsMatch(t, snapIDs(ws.Snapshot()), append(read, rest...), "every conversation once")
	require.ElementsMatch(t, read[1:], second.ListedIDs, "still listed: a sweep does not take them for gone")
	require.Empty(t, second.NextCursor, "then the listing goes on as before")
}

// TestARateLimitAfterOnlyFailedReadsFailsThePage: when the detail endpoint
// answered nothing but 5xx before the rate limit, the page fails, as it
// does without the rate limit: the endpoint may be down, and cutting the
// page short would quarantine its conversations.
func TestARateLimitAfterOnlyFailedReadsFailsThePage(t *testing.T) {
	t.Parallel()
	ws := generated(10, 0)
	srv := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: testKey})
	t.Cleanup(srv.Close)
	client, _ := detailFront(t, srv, func(n int, w http.ResponseWriter) bool {
		if n <= detailConcurrency {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return refuseForAMinute(w)
	})
	page, err := client.ListConversations(t.Context(), fetcher.ConversationQuery{})
	var limited *fetcher.RateLimitedError
	require.ErrorAs(t, err, &limited)
	require.Nil(t, page, "nothing quarantined")
}

// detailFront serves srv through a front that first hands its nth detail
// request (from 1) to answer, which says whether it answered it; srv answers
// the rest. It returns a client of the front, without retries or a slow
// start, and how many detail requests the front has seen.
func detailFront(t *testing.T, srv *chatvolttest.Server, answer func(n int, w http.ResponseWriter) bool) (*Client, func() int) {
	t.Helper()
	var mu sync.Mutex
	details := 0
	front := fakeapitest.Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/conversation/") {
			mu.Lock()
			details++
			n := details
			mu.Unlock()
			if answer(n, w) {
				return
			}
		}
		srv.Handler().ServeHTTP(w, r)
	})))
	client, err := NewClient(Config{BaseURL: front.URL, APIKey: testKey, HTTP: fetcher.Config{Attempts: 1, MaxInlineWait: time.Second,
		Pacer: fetcher.NewPacer(fetcher.PacerConfig{Limit: fetcher.RateLimit{Requests: 1 << 20, Window: time.Second}})}})
	require.NoError(t, err)
	return client, func() int {
		mu.Lock()
		defer mu.Unlock()
		return details
	}
}

// refuseForAMinute answers a rate limit that asks for a minute's wait,
// longer than any test's client waits inline.
func refuseForAMinute(w http.ResponseWriter) bool {
	w.Header().Set("Retry-After", "60")
	w.WriteHeader(http.StatusTooManyRequests)
	return true
}

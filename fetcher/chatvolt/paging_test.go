package chatvolt

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
)

// oddServer serves conversations c0…c(n-1), created a minute apart, through a
// list handler under test, and answers GET /conversation/{id} for any id.
func oddServer(t *testing.T, n int, list func(w http.ResponseWriter, r *http.Request, items []map[string]any), pageSize ...int) *Client {
	t.Helper()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	items := make([]map[string]any, n)
	for i := range items {
		created := formatTime(base.Add(time.Duration(n-i) * time.Minute)) // newest first
		items[i] = map[string]any{"id": fmt.Sprintf("c%d", i), "status": "RESOLVED", "createdAt": created, "updatedAt": created}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if id, ok := strings.CutPrefix(r.URL.Path, "/conversation/"); ok {
			_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "status": "RESOLVED"})
			return
		}
		list(w, r, items)
	}))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, APIKey: "k", HTTP: fetcher.Config{Attempts: 1}}
	if len(pageSize) > 0 {
		cfg.PageSize = pageSize[0]
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c
}

// filtered applies createdAt/endDate and keeps the newest max.
func filtered(r *http.Request, items []map[string]any, max int) []map[string]any {
	from, to := r.URL.Query().Get("createdAt"), r.URL.Query().Get("endDate")
	var out []map[string]any
	for _, it := range items {
		created := it["createdAt"].(string) // same layout as the filters: compares as text
		if (from == "" || created >= from) && (to == "" || created <= to) && len(out) < max {
			out = append(out, it)
		}
	}
	return out
}

func walkAll(t *testing.T, c *Client) (map[string]int, error) {
	t.Helper()
	seen := map[string]int{}
	cursor := ""
	for range 1000 {
		page, err := c.ListConversations(t.Context(), fetcher.ConversationQuery{Cursor: cursor})
		if err != nil {
			return seen, err
		}
		for _, conv := range page.Batch.Conversations {
			seen[conv.ID]++
		}
		if page.NextCursor == "" {
			return seen, nil
		}
		cursor = page.NextCursor
	}
	t.Fatal("the pass did not end")
	return nil, nil
}

func TestPagingDetection(t *testing.T) {
	t.Parallel()

	t.Run("ObjectWithoutCursorIsWalkedByWindows", func(t *testing.T) {
		t.Parallel()
		c := oddServer(t, 10, func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
			_ = json.NewEncoder(w).Encode(map[string]any{"conversations": filtered(r, items, 3)})
		})
		seen, err := walkAll(t, c)
		require.NoError(t, err)
		require.Len(t, seen, 10)
		for id, n := range seen {
			require.Equal(t, 1, n, id)
		}
	})

	t.Run("IgnoredDateFiltersAreAnErrorNotALoop", func(t *testing.T) {
		t.Parallel()
		c := oddServer(t, 10, func(w http.ResponseWriter, _ *http.Request, items []map[string]any) {
			_ = json.NewEncoder(w).Encode(items[:5])
		})
		_, err := walkAll(t, c)
		require.ErrorIs(t, err, ErrUnwalkableListing)
		require.ErrorContains(t, err, "ignores createdAt/endDate")
	})

	t.Run("CursorThatDoesNotAdvanceIsAnError", func(t *testing.T) {
		t.Parallel()
		c := oddServer(t, 10, func(w http.ResponseWriter, _ *http.Request, items []map[string]any) {
			_ = json.NewEncoder(w).Encode(map[string]any{"conversations": items[:2], "nextCursor": "same"})
		})
		_, err := walkAll(t, c)
		require.ErrorIs(t, err, fetcher.ErrBrokenListing, "the jobs give the pass up instead of resuming it for ever")
		require.ErrorContains(t, err, "does not advance")
	})

	t.Run("LastCursorPageWithoutTheKeyEndsThePhase", func(t *testing.T) {
		t.Parallel()
		t.Run("Short", func(t *testing.T) {
			t.Parallel()
			lastPageNoKey(t, 25, 7)
		})
		t.Run("Full", func(t *testing.T) {
			t.Parallel()
			lastPageNoKey(t, 20, 5)
		})
	})

	t.Run("ServerThatStopsPagingByCursorMidWalk", func(t *testing.T) {
		t.Parallel()
		// Two pages by cursor, then plain answers that honour the date
		// filters, capped below the page size asked for.
		calls := 0
		c := oddServer(t, 40, func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
			calls++
			if calls <= 2 {
				_ = json.NewEncoder(w).Encode(cursorPage(r, items, 10))
				return
			}
			_ = json.NewEncoder(w).Encode(filtered(r, items, 5))
		}, 10)
		seen, err := walkAll(t, c)
		require.NoError(t, err)
		require.Len(t, seen, 40)
	})

	t.Run("OneAnswerWithoutCursorInACursorWalk", func(t *testing.T) {
		t.Parallel()
		// A rolling deploy: one answer comes from a replica that does not
		// page by cursor, the others by cursor, oldest first.
		calls := 0
		c := oddServer(t, 50, func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
			calls++
			if calls == 3 {
				_ = json.NewEncoder(w).Encode(filtered(r, items, 10))
				return
			}
			oldestFirst := slices.Clone(filtered(r, items, len(items)))
			slices.Reverse(oldestFirst)
			_ = json.NewEncoder(w).Encode(cursorPage(r, oldestFirst, 10))
		}, 10)
		seen, err := walkAll(t, c)
		require.NoError(t, err)
		require.Len(t, seen, 50)
	})

	t.Run("ServerThatStartsPagingByCursorMidWalk", func(t *testing.T) {
		t.Parallel()
		calls := 0
		c := oddServer(t, 10, func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
			calls++
			if calls <= 2 {
				_ = json.NewEncoder(w).Encode(filtered(r, items, 3))
				return
			}
			start := 0
			if cur := r.URL.Query().Get("cursor"); cur != "" {
				_, _ = fmt.Sscanf(cur, "at%d", &start)
			}
			end := min(start+4, len(items))
			var next any
			if end < len(items) {
				next = fmt.Sprintf("at%d", end)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"conversations": items[start:end], "nextCursor": next})
		})
		seen, err := walkAll(t, c)
		require.NoError(t, err)
		ids := make([]string, 0, len(seen))
		for id := range seen {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		require.Len(t, ids, 10, "the phase is walked again in the new dialect")
	})
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	yes := true
	st := walkState{Version: walkVersion, Phase: 2, Mode: modeWindow, To: time.Date(2025, 1, 1, 0, 0, 3, 11e6, time.UTC),
		Boundary: []string{"a", "b"}, Cap: 50, Tie: &tieState{At: time.Date(2025, 1, 1, 0, 0, 3, 11e6, time.UTC), Pending: []split{{Status: statusResolved, Unread: &yes}}}}
	got, err := decodeCursor(st.encode())
	require.NoError(t, err)
	require.Equal(t, st, got)

	for _, bad := range []string{"%%%", "bm90IGpzb24", base64JSON(`{"v":99}`)} {
		_, err := decodeCursor(bad)
		require.Error(t, err, bad)
	}
}

func base64JSON(s string) string {
	st := walkState{}
	_ = json.Unmarshal([]byte(s), &st)
	return st.encode()
}

// lastPageNoKey walks n conversations a cursor server pages 10 at a time,
// oldest first, whose last page carries no nextCursor key at all (a
// JavaScript server drops a key whose value is undefined): taking that page
// for a first window walked for ever. Every conversation is listed; a full
// last page costs a second walk of the phase, which a cursor contradicting
// the window walk starts.
func lastPageNoKey(t *testing.T, n, maxRequests int) {
	requests := 0
	c := oddServer(t, n, func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
		requests++
		oldestFirst := slices.Clone(items)
		slices.Reverse(oldestFirst)
		answer := cursorPage(r, oldestFirst, 10)
		if answer["nextCursor"] == nil {
			delete(answer, "nextCursor")
		}
		_ = json.NewEncoder(w).Encode(answer)
	}, 10)
	seen, err := walkAll(t, c)
	require.NoError(t, err)
	require.Len(t, seen, n)
	require.LessOrEqual(t, requests, maxRequests)
}

// cursorPage is the page of list that r's cursor asks for, size long, with
// the next page's cursor, or a null one on the last page.
func cursorPage(r *http.Request, list []map[string]any, size int) map[string]any {
	start := 0
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		_, _ = fmt.Sscanf(cur, "at%d", &start)
	}
	end := min(start+size, len(list))
	answer := map[string]any{"conversations": list[start:end], "nextCursor": nil}
	if end < len(list) {
		answer["nextCursor"] = fmt.Sprintf("at%d", end)
	}
	return answer
}

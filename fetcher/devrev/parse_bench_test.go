package devrev

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// benchBodies returns answers of the fake API, as they come over the wire:
// ten conversations.list pages of 100 and the timelines of their first 1,000
// conversations.
func benchBodies(b *testing.B) (lists [][]byte, timelines map[string][]byte) {
	b.Helper()
	ws := devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: 1, Conversations: 1000, CommentsPerConversation: 10, Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	})
	srv := devrevtest.NewServer(ws, devrevtest.Options{})
	b.Cleanup(srv.Close)
	get := func(path string, q url.Values) []byte {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	timelines = map[string][]byte{}
	cursor := ""
	for {
		q := url.Values{"limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		body := get("/conversations.list", q)
		page, err := parseConversationsPage(body)
		if err != nil {
			b.Fatal(err)
		}
		lists = append(lists, body)
		for _, c := range page.Batch.Conversations {
			timelines[c.ID] = get("/timeline-entries.list", url.Values{"object": {c.ID}, "limit": {"100"}})
		}
		if cursor = page.NextCursor; cursor == "" {
			return lists, timelines
		}
	}
}

// BenchmarkParse measures decoding and normalizing what a backfill of 1,000
// conversations reads: the share of syncer's CPU that does not depend on
// PostgreSQL.
func BenchmarkParse(b *testing.B) {
	lists, timelines := benchBodies(b)
	var bytes int64
	for _, body := range lists {
		bytes += int64(len(body))
	}
	for _, body := range timelines {
		bytes += int64(len(body))
	}
	b.SetBytes(bytes)
	b.ReportAllocs()
	messages := 0
	for b.Loop() {
		messages = 0
		for _, body := range lists {
			if _, err := parseConversationsPage(body); err != nil {
				b.Fatal(err)
			}
		}
		for id, body := range timelines {
			page, _, err := parseTimelinePage(id, body)
			if err != nil {
				b.Fatal(err)
			}
			messages += len(page.Batch.Messages)
		}
	}
	b.ReportMetric(float64(b.N*len(timelines))/b.Elapsed().Seconds(), "conversations/s")
	b.ReportMetric(float64(b.N*messages)/b.Elapsed().Seconds(), "messages/s")
}

package devrev

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
)

// TestThreadRepliesAreMessages: the replies in a comment's thread, which
// DevRev lists under the comment and never under the conversation, are read
// with the timeline page that shows the comment, over as many pages as the
// thread has. A thread that answers 404, or whose listing never ends, goes
// to quarantine, and the read then takes nothing for deleted; one that
// answers 500 fails the page.
func TestThreadRepliesAreMessages(t *testing.T) {
	t.Parallel()
	const conv = "don:core:dvrv-us-1:devo/0:conversation/1"
	const comment = conv + ":comment/1"
	entry := func(id, object string, extra string) string {
		return `{"type":"timeline_comment","id":"` + id + `","object":"` + object + `","body":"hi","created_date":"2026-01-01T00:00:00Z"` + extra + `}`
	}
	serve := func(thread func(w http.ResponseWriter, cursor string)) *Client {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Query().Get("object") {
			case conv:
				_, _ = w.Write([]byte(`{"timeline_entries":[` + entry(comment, conv, `,"thread":{"total_replies":"3"}`) + `]}`))
			case comment:
				thread(w, r.URL.Query().Get("cursor"))
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		c, err := NewClient(Config{BaseURL: srv.URL, Token: "t"})
		require.NoError(t, err)
		return c
	}

	c := serve(func(w http.ResponseWriter, cursor string) {
		if cursor == "" {
			_, _ = w.Write([]byte(`{"timeline_entries":[` + entry(conv+":comment/3", comment, "") + `,` + entry(conv+":comment/2", comment, "") + `],"next_cursor":"more"}`))
			return
		}
		_, _ = w.Write([]byte(`{"timeline_entries":[` + entry(conv+":comment/4", comment, "") + `]}`))
	})
	page, err := c.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: conv})
	require.NoError(t, err)
	var ids []string
	for _, m := range page.Batch.Messages {
		require.Equal(t, conv, m.ConversationID)
		ids = append(ids, m.ID)
	}
	require.Equal(t, []string{comment, conv + ":comment/3", conv + ":comment/2", conv + ":comment/4"}, ids)
	_, whole := page.Reconciles()
	require.True(t, whole)
	require.Contains(t, page.Batch.EntriesRead, "thread:"+comment, "read: out of quarantine")

	c = serve(func(w http.ResponseWriter, _ string) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"type":"not_found","message":"object not found"}`))
	})
	page, err = c.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: conv})
	require.NoError(t, err)
	require.Len(t, page.Batch.Messages, 1, "the comment itself")
	require.Len(t, page.Batch.Quarantined, 1)
	require.Equal(t, "thread:"+comment, page.Batch.Quarantined[0].RecordID)
	require.Equal(t, conv, page.Batch.Quarantined[0].ParentID)
	_, whole = page.Reconciles()
	require.False(t, whole, "the replies stored before are not taken for deleted")

	c = serve(func(w http.ResponseWriter, _ string) {
		_, _ = w.Write([]byte(`{"timeline_entries":[],"next_cursor":"again"}`)) // a listing that never ends
	})
	page, err = c.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: conv})
	require.NoError(t, err)
	require.Len(t, page.Batch.Quarantined, 1)
	require.Contains(t, page.Batch.Quarantined[0].Error, "returned the cursor it was given")
	_, whole = page.Reconciles()
	require.False(t, whole)

	c = serve(func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusInternalServerError) })
	_, err = c.ListMessages(t.Context(), fetcher.MessageQuery{ConversationID: conv})
	require.ErrorContains(t, err, "the replies to comment "+comment)
	require.False(t, fetcher.IsNotFound(err), "the conversation is not gone")
}

package jobs_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatwoot"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/faultproxy"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/jobs"
)

const chatwootToken = "chatwoot-token-s3cr3t"

type chatwootBundle struct {
	mirror
	ws     *chatwoottest.Workspace
	server *chatwoottest.Server
	proxy  *faultproxy.Proxy
}

type chatwootSetup struct {
	conversations int
	enterprise    bool
	server        chatwoottest.Options
	public        bool
}

func setupChatwoot(t *testing.T, o chatwootSetup) *chatwootBundle {
	t.Helper()
	if o.conversations == 0 {
		o.conversations = 70
	}
	ws := chatwoottest.Generate(chatwoottest.GenerateConfig{
		Seed: 3, AccountID: 7, Conversations: o.conversations, MessagesPerConversation: 12,
		Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Enterprise: o.enterprise,
	})
	o.server.Token = chatwootToken
	b := &chatwootBundle{mirror: newMirror(t), ws: ws}
	var view mirrorcheck.ChatwootOptions
	window := o.server.RateWindow
	cfg := chatwoot.Config{Token: chatwootToken, AccountID: "7", RateWindow: window, HTTP: fetcher.Config{MaxInlineWait: 2 * time.Second}}
	if o.public {
		inbox, contact, contactID := ws.PublicIdentifiers()
		o.server.InboxIdentifier, o.server.ContactIdentifier = inbox, contact
		cfg = chatwoot.Config{InboxIdentifier: inbox, ContactIdentifier: contact, RateWindow: window}
		view = mirrorcheck.ChatwootOptions{PublicView: true, ContactID: contactID}
	}
	b.server = chatwoottest.NewServer(ws, o.server)
	t.Cleanup(b.server.Close)
	b.proxy = faultproxy.New(b.server.Handler())
	front := httptest.NewServer(b.proxy)
	t.Cleanup(front.Close)
	cfg.BaseURL = front.URL
	src, err := chatwoot.NewClient(cfg)
	require.NoError(t, err)
	b.start(t, "chatwoot", src, func() mirrorcheck.Want { return mirrorcheck.Chatwoot(ws.Snapshot(), view) })
	return b
}

func TestChatwoot(t *testing.T) {
	t.Parallel()

	t.Run("BackfillMirrorsEveryStatusAndMessage", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{enterprise: true})
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)
		require.GreaterOrEqual(t, dbtest.Value[int](t, b.pool, "SELECT count(DISTINCT status) FROM conversations"), 3, "not only open conversations")
		require.Positive(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM messages WHERE visibility = 'private'"), "private notes are mirrored and marked private")
		require.Positive(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM sla_summaries"))
	})

	t.Run("SyncCatchesNewMessagesStatusChangesAndConversations", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{})
		b.run(t, jobs.PassBackfill)
		snap := b.ws.Snapshot()
		c0, c1, c2 := snap.Conversations[0], snap.Conversations[1], snap.Conversations[2]
		b.ws.AddMessage(c0.ID, "a new question", 0, false)
		b.ws.AddMessage(c0.ID, "an internal note", 1, true)
		b.ws.SetStatus(c1.ID, "resolved")
		if len(c2.Messages) > 0 {
			b.ws.EditMessage(c2.Messages[len(c2.Messages)-1].ID, "edited text")
			b.ws.DeleteMessage(c2.Messages[len(c2.Messages)-1].ID)
		}
		b.ws.AddConversation("Nora New", "hello there")

		b.server.ResetStats()
		b.run(t, jobs.PassIncremental)
		b.requireExact(t)
		require.Equal(t, 1, b.server.Stats().Requests["conversations.list"], "one unpaginated updated_within request")
	})

	t.Run("ADeletedMessageLosesItsAttachments", func(t *testing.T) {
		t.Parallel()
		// Chatwoot's delete keeps the message and destroys its files: the
		// mirror must not keep them (their URLs) either.
		b := setupChatwoot(t, chatwootSetup{})
		b.run(t, jobs.PassBackfill)
		deleted := 0
		for _, c := range b.ws.Snapshot().Conversations {
			for _, m := range c.Messages {
				if len(m.Attachments) > 0 && deleted < 3 {
					b.ws.DeleteMessage(m.ID)
					deleted++
				}
			}
		}
		require.Equal(t, 3, deleted)
		b.run(t, jobs.PassIncremental)
		b.requireExact(t)
	})

	t.Run("RateLimitedPassLosesNothing", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{conversations: 30, server: chatwoottest.Options{Faults: fakeapi.Faults{RateLimit: 12, RateWindow: time.Second}}})
		// Chatwoot's 429 says nothing of when to come back; the client waits
		// for the next window. Windows of a second keep the test short.
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)
		require.Positive(t, b.server.Stats().RateLimited)
	})

	t.Run("DeletesDuringBackfillDoNotHideConversations", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{conversations: 80})
		snap := b.ws.Snapshot()
		var once sync.Once
		b.proxy.SetRules(faultproxy.Rule{PathSuffix: "/conversations", Fault: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if r.URL.Query().Get("page") == "2" {
				// Conversations of page 1 vanish: page 2 shifts back by three.
				once.Do(func() {
					for _, c := range snap.Conversations[:3] {
						b.ws.DeleteConversation(c.ID)
					}
				})
			}
			next.ServeHTTP(w, r)
		}})
		b.run(t, jobs.PassBackfill)
		for _, d := range b.diffs(t) {
			require.NotContains(t, d, "missing", "every conversation still at the source is mirrored")
		}
		// The three deleted ones are found by the next sweep.
		b.run(t, jobs.PassSweep)
		b.requireExact(t)
	})

	t.Run("AConversationTheTokenMayNotSeeIsQuarantined", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{conversations: 30})
		b.run(t, jobs.PassBackfill)
		// Moved to an inbox the agent's token is not in: the listing no
		// longer shows it, and Chatwoot refuses its get (Pundit's 401),
		// which is no refusal of the token.
		hidden := b.ws.Snapshot().Conversations[4].ID
		b.proxy.SetRules(
			faultproxy.Rule{PathSuffix: fmt.Sprintf("/conversations/%d", hidden),
				Fault: faultproxy.Status(http.StatusUnauthorized, `{"error":"You are not authorized to do this action"}`)},
			faultproxy.Rule{PathSuffix: "/conversations", Fault: faultproxy.RewriteJSON(func(_ *http.Request, body map[string]any) {
				data, _ := body["data"].(map[string]any)
				items, _ := data["payload"].([]any)
				data["payload"] = slices.DeleteFunc(items, func(it any) bool {
					m, _ := it.(map[string]any)
					return fmt.Sprint(m["id"]) == strconv.Itoa(hidden)
				})
			})},
		)
		out := b.runPass(t, jobs.PassSweep)
		require.True(t, out.OK(), "failures: %v", out.Failures)
		require.Positive(t, b.proxy.Applied(0))
		require.Equal(t, []string{strconv.Itoa(hidden)}, dbtest.Column[string](t, b.pool,
			"SELECT record_id FROM quarantine WHERE stream = 'conversations' AND resolved_at IS NULL"))
		require.Zero(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM conversations WHERE deleted_at IS NOT NULL"))
	})

	t.Run("PublicClientAPIMirrorsOneContact", func(t *testing.T) {
		t.Parallel()
		b := setupChatwoot(t, chatwootSetup{public: true})
		// The public API serves 20 messages at a time, the latest first: a
		// longer conversation is read back to its first message, and its
		// older messages are not taken for deleted.
		_, _, contactID := b.ws.PublicIdentifiers()
		long := 0
		for _, c := range b.ws.Snapshot().Conversations {
			if c.ContactID == contactID && long == 0 {
				long = c.ID
			}
		}
		require.NotZero(t, long)
		for i := range 30 {
			b.ws.AddMessage(long, fmt.Sprintf("message %d", i), 0, false)
		}
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)
		require.Positive(t, dbtest.Value[int](t, b.pool, "SELECT count(*) FROM conversations"))
		b.ws.AddMessage(long, "one more", 1, false)
		b.run(t, jobs.PassIncremental)
		b.requireExact(t)
	})
}

package devrevtest

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

const hookSecret = "whsec-0123456789"

// endpoint is how a test's webhook endpoint answers: it echoes the verify
// challenge (unless wrongChallenge) with verifyStatus (200 if 0), fails the
// first failFirst event deliveries with 500 and answers the others 200.
// arrived, when not nil, gets a send per request once it is answered.
type endpoint struct {
	wrongChallenge bool
	verifyStatus   int
	failFirst      int
	arrived        chan struct{}
}

func newReceiver(t *testing.T, configure func(*endpoint)) *fakeapitest.Receiver {
	e := &endpoint{}
	if configure != nil {
		configure(e)
	}
	var delivered atomic.Int64 // events, not verify requests
	return fakeapitest.NewReceiver(t, func(w http.ResponseWriter, _ int, raw []byte) {
		if e.arrived != nil {
			defer func() { e.arrived <- struct{}{} }()
		}
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		if body["type"] == eventVerify {
			challenge, _ := body["verify"].(map[string]any)["challenge"].(string)
			if e.wrongChallenge {
				challenge = "not-" + challenge
			}
			fakeapi.WriteJSON(w, cmp.Or(e.verifyStatus, http.StatusOK), "application/json", map[string]string{"challenge": challenge})
			return
		}
		if delivered.Add(1) <= int64(e.failFirst) {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
}

// events checks every request rc got as DevRev documents it and returns
// the bodies of the events (not of the verify requests): POST JSON, signed
// with X-DevRev-Signature = lowercase hex HMAC-SHA256(secret, raw body), an
// id, the webhook's id, a wall-clock timestamp and the payload under its
// type.
func events(t *testing.T, rc *fakeapitest.Receiver, secret, webhookID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range rc.Requests() {
		require.Equal(t, fakeapi.HMACHex(secret, r.Raw), r.Header.Get("X-DevRev-Signature"), string(r.Raw))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var body map[string]any
		require.NoError(t, json.Unmarshal(r.Raw, &body), string(r.Raw))
		require.NotEmpty(t, body["id"])
		require.Equal(t, webhookID, body["webhook_id"])
		ts, err := time.Parse(time.RFC3339, body["timestamp"].(string))
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), ts, time.Minute, "the timestamp is the wall clock, not the workspace's")
		typ := body["type"].(string)
		require.Contains(t, body, typ, "the payload sits under the key its type names")
		if typ != eventVerify {
			out = append(out, body)
		}
	}
	return out
}

// hookBundle is a workspace, a server and a verified webhook to a receiver,
// followed step by step.
type hookBundle struct {
	*testBundle
	fakeapitest.Steps
	rc   *fakeapitest.Receiver
	hook string
}

func setupHook(t *testing.T, ws *Workspace, opts Options, configure func(*endpoint)) *hookBundle {
	b := &hookBundle{testBundle: setup(t, ws, opts), rc: newReceiver(t, configure)}
	id, err := b.Srv.AddWebhook(b.rc.URL, hookSecret)
	require.NoError(t, err)
	b.hook = id
	b.Steps = fakeapitest.Steps{
		WaitWebhooks: b.Srv.WaitWebhooks,
		Events:       func(t *testing.T) []map[string]any { return b.events(t) },
		// "type object-id"
		Label: func(t *testing.T, ev map[string]any) string { return ev["type"].(string) + " " + eventObject(t, ev) },
	}
	return b
}

// events are the events the webhook received so far, checked.
func (b *hookBundle) events(t *testing.T) []map[string]any {
	t.Helper()
	return events(t, b.rc, hookSecret, b.hook)
}

// eventObject is the id of what an event is about, read where a receiver
// reads it; a timeline entry's conversation is its "object".
func eventObject(t *testing.T, ev map[string]any) string {
	t.Helper()
	p := ev[ev["type"].(string)].(map[string]any)
	switch ev["type"] {
	case eventConversationCreated, eventConversationUpdated:
		return p["conversation"].(map[string]any)["id"].(string)
	case eventTimelineEntryCreated, eventTimelineEntryUpdated:
		entry := p["entry"].(map[string]any)
		return entry["id"].(string) + " of " + entry["object"].(string)
	case eventSLATrackerUpdated:
		return p["sla_tracker"].(map[string]any)["applies_to_id"].(string)
	}
	return p["id"].(string)
}

func TestWebhookEvents(t *testing.T) {
	t.Parallel()

	t.Run("EveryMutationSendsItsEvents", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{}, nil)
		var conv, comment string
		require.Equal(t, []string{"conversation_created " + conversationID(1)}, b.Step(t, func() { conv = b.WS.AddConversation("Printer on fire") }))
		updated := "conversation_updated " + conv
		require.Equal(t, []string{updated}, b.Step(t, func() { b.WS.EditConversation(conv, "Printer still on fire") }))
		require.Equal(t, []string{updated}, b.Step(t, func() { b.WS.SetStage(conv, "active") }))

		got := b.Step(t, func() { comment = b.WS.AddComment(conv, "Have you tried water?", "internal") })
		require.Equal(t, []string{updated, "timeline_entry_created " + comment + " of " + conv}, got)
		entryUpdated := "timeline_entry_updated " + comment + " of " + conv
		require.Equal(t, []string{updated, entryUpdated}, b.Step(t, func() { b.WS.EditComment(comment, "Have you tried foam?") }))
		require.Equal(t, []string{updated, entryUpdated}, b.Step(t, func() { b.WS.DeleteComment(comment) }))
		require.Equal(t, []string{updated, "timeline_entry_deleted " + comment}, b.Step(t, func() { b.WS.RemoveComment(comment) }))
		require.Equal(t, []string{"conversation_deleted " + conv}, b.Step(t, func() { b.WS.DeleteConversation(conv) }))

		require.Empty(t, b.Step(t, func() { b.WS.EditConversation(conv, "gone") }), "no event for a no-op")
		st := b.Srv.WebhookStats()
		require.Equal(t, fakeapi.WebhookStats{Events: 12, Attempts: 12, Succeeded: 12}, st)
	})

	t.Run("EventsCarryTheRESTShape", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{}, nil)
		conv := b.WS.AddConversation("Shape")
		comment := b.WS.AddComment(conv, "body", "external")
		b.WS.DeleteComment(comment)
		b.Wait(t)

		rest := b.get(t, "conversations.get", map[string][]string{"id": {conv}}).Object()["conversation"]
		var lastConv, lastEntry map[string]any
		for _, ev := range b.events(t) {
			p := ev[ev["type"].(string)].(map[string]any)
			if c, ok := p["conversation"].(map[string]any); ok && c["modified_date"] == rest.(map[string]any)["modified_date"] {
				lastConv = c
			}
			if e, ok := p["entry"].(map[string]any); ok && ev["type"] == eventTimelineEntryUpdated {
				lastEntry = e
			}
		}
		require.Equal(t, rest, lastConv, "the latest conversation_updated carries what conversations.get serves")
		require.Equal(t, "timeline_comment", lastEntry["type"])
		require.NotContains(t, lastEntry, "body", "a deleted comment comes without its body")
	})

	t.Run("CommentsThatDoNotBumpSendNoConversationUpdated", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		conv := ws.AddConversation("Quiet")
		ws.SetCommentsBumpConversation(false)
		b := setupHook(t, ws, Options{}, nil)
		var comment string
		got := b.Step(t, func() { comment = ws.AddComment(conv, "psst", "private") })
		require.Equal(t, []string{"timeline_entry_created " + comment + " of " + conv}, got)
	})

	t.Run("ResolvingUpdatesTheSLATracker", func(t *testing.T) {
		t.Parallel()
		ws := generated(60, 1)
		conv := conversationWithOpenSLA(t, ws)
		b := setupHook(t, ws, Options{}, nil)
		got := b.Step(t, func() { ws.SetStage(conv, "resolved") })
		require.Equal(t, []string{"conversation_updated " + conv, "sla_tracker_updated " + conv}, got)
	})

	t.Run("CreateAndDeleteOverHTTPSendEvents", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{}, nil)
		var id string
		got := b.Step(t, func() {
			r := b.do(t, testToken, "conversations.create", nil, map[string]any{"type": "support", "title": "Over HTTP"})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
			id = r.Object()["conversation"].(map[string]any)["id"].(string)
		})
		require.Equal(t, []string{"conversation_created " + id}, got)
		got = b.Step(t, func() { b.do(t, testToken, "conversations.delete", nil, map[string]any{"id": id}) })
		require.Equal(t, []string{"conversation_deleted " + id}, got)
	})

	t.Run("OnlySubscribedTypesAreSent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, NewWorkspace(fakeapitest.Start()), Options{})
		rc := newReceiver(t, nil)
		hook, err := b.Srv.AddWebhook(rc.URL, hookSecret, eventConversationDeleted)
		require.NoError(t, err)
		conv := b.WS.AddConversation("Filtered")
		b.WS.AddComment(conv, "not sent", "")
		b.WS.DeleteConversation(conv)
		require.NoError(t, b.Srv.WaitWebhooks(context.Background()))
		events := events(t, rc, hookSecret, hook)
		require.Len(t, events, 1)
		require.Equal(t, eventConversationDeleted, events[0]["type"])
	})
}

// conversationWithOpenSLA finds a conversation whose SLA tracker has a
// metric still open, so that resolving it changes the tracker.
func conversationWithOpenSLA(t *testing.T, ws *Workspace) string {
	t.Helper()
	ws.mu.RLock()
	defer ws.mu.RUnlock()
	for n := 1; n <= ws.lastConv; n++ {
		c := ws.convs[n]
		if c != nil && c.sla != nil && c.stage != "resolved" && c.stage != "archived" &&
			slices.ContainsFunc(c.sla.metrics, func(m *metric) bool { return m.stage != stageCompleted }) {
			return conversationID(c.num)
		}
	}
	t.Fatal("no conversation with an open SLA")
	return ""
}

func TestWebhookVerifyHandshake(t *testing.T) {
	t.Parallel()

	t.Run("AWrongAnswerLeavesTheWebhookUnverified", func(t *testing.T) {
		t.Parallel()
		b := setup(t, NewWorkspace(fakeapitest.Start()), Options{})
		rc := newReceiver(t, func(e *endpoint) { e.wrongChallenge = true })
		hook, err := b.Srv.AddWebhook(rc.URL, hookSecret)
		require.ErrorContains(t, err, "challenge")
		require.NotEmpty(t, hook, "the webhook is registered, unverified")

		b.WS.AddComment(b.WS.AddConversation("Unheard"), "nobody listens", "")
		require.NoError(t, b.Srv.WaitWebhooks(context.Background()))
		require.Empty(t, events(t, rc, hookSecret, hook), "an unverified webhook gets no event")
		require.Len(t, rc.Requests(), 1, "only the signed verify request")
		require.Zero(t, b.Srv.WebhookStats())

		list := b.get(t, "webhooks.list", nil).Object()["webhooks"].([]any)
		require.Equal(t, "unverified", list[0].(map[string]any)["status"])
	})

	t.Run("AFailingEndpointLeavesTheWebhookUnverified", func(t *testing.T) {
		t.Parallel()
		b := setup(t, NewWorkspace(fakeapitest.Start()), Options{})
		rc := newReceiver(t, func(e *endpoint) { e.verifyStatus = http.StatusNotFound })
		_, err := b.Srv.AddWebhook(rc.URL, hookSecret)
		require.ErrorContains(t, err, "answered 404")
	})

	t.Run("InvalidArgumentsRegisterNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, NewWorkspace(fakeapitest.Start()), Options{})
		for _, args := range [][2]string{{"not a url", hookSecret}, {"ftp://example.com/", hookSecret}, {"http://127.0.0.1/", "short"}, {"http://127.0.0.1/", "a-secret-longer-than-thirty-two-bytes"}} {
			id, err := b.Srv.AddWebhook(args[0], args[1])
			require.Error(t, err, args)
			require.Empty(t, id)
		}
		require.Empty(t, b.get(t, "webhooks.list", nil).Object()["webhooks"])
	})
}

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, NewWorkspace(fakeapitest.Start()), Options{})
	rc := newReceiver(t, nil)

	r := b.do(t, testToken, "webhooks.create", nil, map[string]any{
		"url": rc.URL, "event_types": []string{"conversation_created", "conversation_deleted"}, "secret": hookSecret,
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	hook := r.Object()["webhook"].(map[string]any)
	require.Equal(t, map[string]any{
		"id": webhookID(1), "url": rc.URL, "event_types": []any{"conversation_created", "conversation_deleted"},
		"secret": hookSecret, "status": "active",
	}, hook)

	// Without a secret, DevRev makes one, and signs the handshake with it.
	r = b.do(t, testToken, "webhooks.create", nil, map[string]any{"url": rc.URL + "/other"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	generatedHook := r.Object()["webhook"].(map[string]any)
	secret := generatedHook["secret"].(string)
	require.Len(t, secret, 32)
	require.Equal(t, "active", generatedHook["status"])
	verify := rc.Requests()[1]
	require.Equal(t, fakeapi.HMACHex(secret, verify.Raw), verify.Header.Get("X-DevRev-Signature"))

	for _, list := range []response{b.get(t, "webhooks.list", nil), b.do(t, testToken, "webhooks.list", nil, map[string]any{})} {
		require.Equal(t, http.StatusOK, list.Status)
		require.Equal(t, []any{hook, generatedHook}, list.Object()["webhooks"])
	}

	requireError(t, b.do(t, testToken, "webhooks.create", nil, map[string]any{"url": rc.URL, "secret": "short"}), http.StatusBadRequest, "bad_request")
	requireError(t, b.do(t, testToken, "webhooks.create", nil, map[string]any{"url": "nowhere"}), http.StatusBadRequest, "bad_request")
	requireError(t, b.do(t, "wrong-token", "webhooks.list", nil, nil), http.StatusUnauthorized, "unauthenticated")
	requireError(t, b.get(t, "webhooks.create", nil), http.StatusMethodNotAllowed, "bad_request")
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()

	t.Run("ARetryFollowsAFailureAtOnce", func(t *testing.T) {
		t.Parallel()
		// DevRev's own schedule: its first retry is immediate.
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{}, func(e *endpoint) { e.failFirst = 1 })
		conv := b.WS.AddConversation("Flaky receiver")
		b.Wait(t)
		events := b.events(t)
		require.Len(t, events, 2)
		require.Equal(t, events[0], events[1], "the retry repeats the event, id included")
		require.Equal(t, conv, eventObject(t, events[1]))
		require.Equal(t, fakeapi.WebhookStats{Events: 1, Attempts: 2, Succeeded: 1, Failed: 1, Retries: 1}, b.Srv.WebhookStats())
	})

	t.Run("AnEmptyScheduleNeverRetries", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{WebhookRetryDelays: []time.Duration{}}, func(e *endpoint) { e.failFirst = 1 })
		b.WS.AddConversation("Lost")
		b.Wait(t)
		require.Equal(t, fakeapi.WebhookStats{Events: 1, Attempts: 1, Failed: 1, GaveUp: 1}, b.Srv.WebhookStats())
	})

	t.Run("DuplicatesRepeatTheEvent", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{WebhookDuplicateRate: 1}, nil)
		b.WS.AddConversation("Twice")
		b.Wait(t)
		events := b.events(t)
		require.Len(t, events, 2)
		require.Equal(t, events[0], events[1])
		require.Equal(t, 1, b.Srv.WebhookStats().Duplicates)
	})

	t.Run("WaitWebhooksWaitsForDelayedDeliveries", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(fakeapitest.Start()), Options{WebhookMaxDelay: 20 * time.Millisecond, Seed: 3}, nil)
		for range 10 {
			b.WS.AddConversation("Delayed")
		}
		b.Wait(t)
		require.Len(t, b.events(t), 10)
	})

	t.Run("ConcurrentMutationsAllArrive", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, generated(20, 2), Options{WebhookMaxDelay: time.Millisecond}, nil)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				conv := conversationID(1 + i)
				b.WS.AddComment(conv, "concurrent", "")
				b.WS.EditConversation(conv, "renamed")
			})
		}
		wg.Wait()
		b.Wait(t)
		require.Len(t, b.events(t), 8*3)
	})

	t.Run("CloseAbandonsPendingRetries", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(fakeapitest.Start())
		srv := NewServer(ws, Options{})
		t.Cleanup(srv.Close)
		arrived := make(chan struct{}, 3)
		rc := newReceiver(t, func(e *endpoint) { e.failFirst, e.arrived = 99, arrived })
		_, err := srv.AddWebhook(rc.URL, hookSecret)
		require.NoError(t, err)
		<-arrived // the verify request
		ws.AddConversation("Never delivered")
		<-arrived
		<-arrived // the immediate retry failed too; the next waits 30 s

		srv.Close() // does not wait the 30 s
		require.NoError(t, srv.WaitWebhooks(context.Background()), "no delivery is left")
		require.Zero(t, srv.WebhookStats().GaveUp)
		ws.AddConversation("After close")
		require.Equal(t, 1, srv.WebhookStats().Events, "a closed server sends nothing")
	})
}

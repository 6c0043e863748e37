package chatwoottest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

const hookSecret = "chatwoot-webhook-secret"

// events checks every request rc got as Chatwoot 4.12+ signs it and
// returns the bodies, decoded with UseNumber: JSON, a X-Chatwoot-Delivery
// uuid, X-Chatwoot-Timestamp in unix seconds (the wall clock) and
// X-Chatwoot-Signature "sha256=" + lowercase hex HMAC-SHA256(secret,
// "<timestamp>.<raw body>"). secret "" checks that nothing is signed, as
// before 4.12.
func events(t *testing.T, rc *fakeapitest.Receiver, secret string) []map[string]any {
	t.Helper()
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	var out []map[string]any
	for _, r := range rc.Requests() {
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Regexp(t, uuid, r.Header.Get("X-Chatwoot-Delivery"))
		ts, sig := r.Header.Get("X-Chatwoot-Timestamp"), r.Header.Get("X-Chatwoot-Signature")
		if secret == "" {
			require.Empty(t, ts)
			require.Empty(t, sig)
		} else {
			sec, err := strconv.ParseInt(ts, 10, 64)
			require.NoError(t, err)
			require.WithinDuration(t, time.Now(), time.Unix(sec, 0), time.Minute, "the wall clock, not the workspace's")
			require.Equal(t, "sha256="+fakeapi.HMACHex(secret, []byte(ts+"."+string(r.Raw))), sig, string(r.Raw))
		}
		dec := json.NewDecoder(bytes.NewReader(r.Raw))
		dec.UseNumber()
		var body map[string]any
		require.NoError(t, dec.Decode(&body), string(r.Raw))
		out = append(out, body)
	}
	return out
}

// hookBundle is an account, a server and a webhook to a receiver, followed
// step by step.
type hookBundle struct {
	*testBundle
	fakeapitest.Steps
	rc *fakeapitest.Receiver
}

// setupHook registers a webhook to a receiver that fails the first
// failFirst requests with 500.
func setupHook(t *testing.T, ws *Workspace, opts Options, failFirst int, eventTypes ...string) *hookBundle {
	b := &hookBundle{testBundle: setup(t, ws, opts), rc: fakeapitest.NewReceiver(t, fakeapitest.FailFirst(failFirst))}
	id, err := b.Srv.AddWebhook(b.rc.URL, hookSecret, eventTypes...)
	require.NoError(t, err)
	require.Equal(t, "1", id)
	b.Steps = fakeapitest.Steps{
		WaitWebhooks: b.Srv.WaitWebhooks,
		Events:       func(t *testing.T) []map[string]any { return events(t, b.rc, hookSecret) },
		// "event conversation-id" or "event conversation-id/message-id"
		Label: func(t *testing.T, ev map[string]any) string { return ev["event"].(string) + " " + hookObject(t, ev) },
	}
	return b
}

// hookObject reads what an event is about where a receiver reads it: the
// conversation's display id, at the top or under "conversation".
func hookObject(t *testing.T, ev map[string]any) string {
	t.Helper()
	conv, isMessage := ev["conversation"].(map[string]any)
	if !isMessage {
		require.NotContains(t, ev, "account_id", "conversation events carry no account id")
		return strconv.Itoa(num(t, ev["id"]))
	}
	require.NotContains(t, conv, "account_id")
	require.Equal(t, map[string]any{"id": json.Number("1"), "name": "Acme Corp"}, ev["account"])
	return strconv.Itoa(num(t, conv["id"])) + "/" + strconv.Itoa(num(t, ev["id"]))
}

func TestWebhookEvents(t *testing.T) {
	t.Parallel()

	t.Run("EveryMutationSendsItsEvents", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{}, 0)
		var conv, reply, note int
		at := func(msg int) string { return strconv.Itoa(conv) + "/" + strconv.Itoa(msg) }
		got := b.Step(t, func() { conv = b.WS.AddConversation("Ada Lovelace", "My invoice is wrong") })
		require.Equal(t, []string{"conversation_created 1", "message_created 1/1"}, got)
		require.Equal(t, []string{"message_created 1/2"}, b.Step(t, func() { reply = b.WS.AddMessage(conv, "Looking into it", msgOutgoing, false) }))
		require.Equal(t, []string{"message_created " + at(3)}, b.Step(t, func() { note = b.WS.AddMessage(conv, "Billing bug?", msgOutgoing, true) }),
			"private notes are sent")
		require.Empty(t, b.Step(t, func() { b.WS.AddMessage(conv, "Ava joined", msgActivity, false) }), "activity messages are not")
		require.Equal(t, []string{"message_updated " + at(reply)}, b.Step(t, func() { b.WS.EditMessage(reply, "Fixed it") }))
		require.Equal(t, []string{"message_updated " + at(note)}, b.Step(t, func() { b.WS.DeleteMessage(note) }))

		statusChange := []string{"conversation_status_changed 1", "conversation_updated 1"}
		require.Equal(t, statusChange, b.Step(t, func() { b.WS.SetStatus(conv, "resolved") }))
		var again int
		got = b.Step(t, func() { again = b.WS.AddMessage(conv, "It is wrong again", msgIncoming, false) })
		require.Equal(t, append(slices.Clone(statusChange), "message_created "+at(again)), got, "a reopening message changes the status too")

		require.Empty(t, b.Step(t, func() { b.WS.RemoveMessage(reply) }), "Chatwoot has no event for a destroyed message")
		require.Empty(t, b.Step(t, func() { b.WS.DeleteConversation(conv) }), "nor for a deleted conversation")
		require.Equal(t, fakeapi.WebhookStats{Events: 11, Attempts: 11, Succeeded: 11}, b.Srv.WebhookStats())
	})

	t.Run("PayloadsHaveTheWebhookShape", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{}, 0)
		conv := b.WS.AddConversation("Ada Lovelace", "Hello")
		note := b.WS.AddMessage(conv, "internal", msgOutgoing, true)
		b.WS.DeleteMessage(note)
		b.WS.SetStatus(conv, "snoozed")
		b.Wait(t)
		byEvent := map[string]map[string]any{}
		for _, ev := range events(t, b.rc, hookSecret) {
			byEvent[ev["event"].(string)+" "+hookObject(t, ev)] = ev
		}

		created := byEvent["message_created 1/2"]
		require.Equal(t, "outgoing", created["message_type"], "the enum's name, unlike the API's integer")
		require.Equal(t, true, created["private"])
		require.Equal(t, "internal", created["content"])
		_, err := time.Parse(time.RFC3339, created["created_at"].(string))
		require.NoError(t, err, "an ISO time, unlike the API's unix seconds")
		agent := b.WS.agents[0]
		require.Equal(t, map[string]any{"id": json.Number("1"), "name": agent.name, "email": agent.email, "type": "user"},
			created["sender"], "a user's webhook_data")

		deleted := byEvent["message_updated 1/2"]
		require.Equal(t, deletedContent, deleted["content"])
		require.Equal(t, map[string]any{"deleted": true}, deleted["content_attributes"])

		updated := byEvent["conversation_updated 1"]
		require.Equal(t, "snoozed", updated["status"])
		attrs := updated["changed_attributes"].([]any)
		require.Equal(t, map[string]any{"status": map[string]any{"previous_value": "open", "current_value": "snoozed"}}, attrs[0])
		require.Contains(t, attrs[1], "snoozed_until")
		require.Contains(t, attrs[2], "updated_at")
		require.Equal(t, updated["changed_attributes"], byEvent["conversation_status_changed 1"]["changed_attributes"])
		require.NotContains(t, byEvent["conversation_created 1"], "changed_attributes")
		embedded := updated["messages"].([]any)
		require.Len(t, embedded, 1, "the latest chat message")
		require.Equal(t, json.Number("1"), embedded[0].(map[string]any)["id"], "not the private note, not the activity")
	})

	t.Run("OnlySubscribedEventsAreSent", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{}, 0, eventMessageCreated)
		var conv int
		require.Equal(t, []string{"message_created 1/1"}, b.Step(t, func() { conv = b.WS.AddConversation("Ada", "Hi") }))
		require.Empty(t, b.Step(t, func() { b.WS.SetStatus(conv, "resolved") }))
	})

	t.Run("UnsignedLikeOlderVersions", func(t *testing.T) {
		t.Parallel()
		b := setup(t, NewWorkspace(1, fakeapitest.Start()), Options{WebhookUnsigned: true})
		rc := fakeapitest.NewReceiver(t, nil)
		_, err := b.Srv.AddWebhook(rc.URL, hookSecret)
		require.NoError(t, err)
		b.WS.AddConversation("Ada", "Hi")
		require.NoError(t, b.Srv.WaitWebhooks(context.Background()))
		require.Len(t, events(t, rc, ""), 2)
		hook := b.get(t, accountPath(b.WS, "/webhooks"), nil).Object()["payload"].(map[string]any)["webhooks"].([]any)[0]
		require.NotContains(t, hook, "secret")
	})
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()

	t.Run("AFailedDeliveryIsNotRetried", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{}, 1)
		conv := b.WS.AddConversation("Ada", "Hi")
		b.WS.AddMessage(conv, "Hello?", msgIncoming, false)
		b.Wait(t)
		require.Len(t, b.rc.Requests(), 3, "each event once, the failed one too")
		st := b.Srv.WebhookStats()
		require.Equal(t, fakeapi.WebhookStats{Events: 3, Attempts: 3, Succeeded: 2, Failed: 1, GaveUp: 1}, st)
	})

	t.Run("AScheduleRetries", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{WebhookRetryDelays: []time.Duration{0}}, 1, eventConversationCreated)
		b.WS.AddConversation("Ada", "Hi")
		b.Wait(t)
		events := events(t, b.rc, hookSecret)
		require.Len(t, events, 2)
		require.Equal(t, events[0], events[1])
		require.Equal(t, 1, b.Srv.WebhookStats().Retries)
	})

	t.Run("DuplicatesRepeatTheBody", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{WebhookDuplicateRate: 1}, 0, eventConversationCreated)
		b.WS.AddConversation("Ada", "Hi")
		b.Wait(t)
		reqs := b.rc.Requests()
		require.Len(t, reqs, 2)
		require.Equal(t, reqs[0].Raw, reqs[1].Raw)
		require.NotEqual(t, reqs[0].Header.Get("X-Chatwoot-Delivery"), reqs[1].Header.Get("X-Chatwoot-Delivery"),
			"each request is a delivery of its own: receivers cannot dedupe on it")
		require.Equal(t, 1, b.Srv.WebhookStats().Duplicates)
	})

	t.Run("WaitWebhooksWaitsForDelayedDeliveries", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, NewWorkspace(1, fakeapitest.Start()), Options{WebhookMaxDelay: 20 * time.Millisecond, Seed: 5}, 0)
		for i := range 5 {
			b.WS.AddConversation("Contact "+strconv.Itoa(i), "Hi")
		}
		b.Wait(t)
		require.Len(t, events(t, b.rc, hookSecret), 10)
	})

	t.Run("CloseAbandonsPendingDeliveries", func(t *testing.T) {
		t.Parallel()
		ws := NewWorkspace(1, fakeapitest.Start())
		srv := NewServer(ws, Options{WebhookMaxDelay: time.Hour, Seed: 1})
		t.Cleanup(srv.Close)
		rc := fakeapitest.NewReceiver(t, nil)
		_, err := srv.AddWebhook(rc.URL, hookSecret)
		require.NoError(t, err)
		ws.AddConversation("Ada", "Hi") // its deliveries wait up to an hour

		srv.Close() // does not wait for them
		require.NoError(t, srv.WaitWebhooks(context.Background()), "no delivery is left")
		require.Zero(t, srv.WebhookStats().Attempts)
		require.Empty(t, rc.Requests())
	})

	t.Run("ConcurrentMutationsAllArrive", func(t *testing.T) {
		t.Parallel()
		b := setupHook(t, generated(20, 3), Options{WebhookMaxDelay: time.Millisecond}, 0, eventMessageCreated)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() { b.WS.AddMessage(1+i, "concurrent", msgOutgoing, false) })
		}
		wg.Wait()
		b.Wait(t)
		require.Len(t, events(t, b.rc, hookSecret), 8)
	})
}

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, NewWorkspace(1, fakeapitest.Start()), Options{})
	rc := fakeapitest.NewReceiver(t, nil)
	path := b.Srv.URL() + accountPath(b.WS, "/webhooks")
	post := func(token string, body any) response {
		t.Helper()
		return fakeapitest.DecodeJSON(t, fakeapitest.PostJSON(t, path, body, fakeapitest.Credential("api_access_token", "", token)), false)
	}

	r := post(testToken, map[string]any{"url": rc.URL, "name": "syncer", "subscriptions": []string{"message_created"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	hook := r.Object()["payload"].(map[string]any)["webhook"].(map[string]any)
	secret := hook["secret"].(string)
	require.Len(t, secret, 24)
	require.Equal(t, map[string]any{
		"id": 1.0, "name": "syncer", "url": rc.URL, "account_id": 1.0, "subscriptions": []any{"message_created"}, "secret": secret,
	}, hook)

	rcAll := fakeapitest.NewReceiver(t, nil)
	r = post(testToken, map[string]any{"url": rcAll.URL})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	all := r.Object()["payload"].(map[string]any)["webhook"].(map[string]any)
	require.Nil(t, all["name"])
	require.Len(t, all["subscriptions"], 8, "the default subscriptions")

	list := b.get(t, accountPath(b.WS, "/webhooks"), nil).Object()["payload"].(map[string]any)["webhooks"].([]any)
	require.Len(t, list, 2)
	require.Equal(t, json.Number("1"), list[0].(map[string]any)["id"])

	for body, message := range map[string]string{
		`{"url": "not a url"}`:      "Url is invalid",
		`{"url": "` + rc.URL + `"}`: "Url has already been taken",
		`{"url": "http://127.0.0.1:1/x", "subscriptions": ["message_deleted"]}`: "Subscriptions Invalid events",
		`{"url": "http://127.0.0.1:1/y", "subscriptions": []}`:                  "Subscriptions Invalid events",
	} {
		r := post(testToken, json.RawMessage(body))
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, body)
		require.Equal(t, message, r.Object()["message"], body)
	}
	require.Equal(t, http.StatusUnauthorized, post("wrong", map[string]any{"url": rc.URL + "/z"}).Status)
	require.Equal(t, http.StatusNotFound, b.call(t, testToken, "/api/v1/accounts/2/webhooks", nil).Status)

	// Each webhook gets what it subscribed to, signed with the secret the
	// API returned.
	b.WS.AddConversation("Ada", "Hi")
	require.NoError(t, b.Srv.WaitWebhooks(context.Background()))
	require.Len(t, events(t, rc, secret), 1, "message_created")
	require.Len(t, events(t, rcAll, all["secret"].(string)), 2, "conversation_created and message_created")
}

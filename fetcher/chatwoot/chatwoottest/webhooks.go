package chatwoottest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Chatwoot gives a webhook 5 seconds to answer, and never retries an
// account webhook.
const webhookTimeout = 5 * time.Second

// allowedEvents are the subscriptions Chatwoot's Webhook model accepts; the
// fake sends only some of them (see the event constants).
func allowedEvents() []string {
	return append(defaultSubscriptions(), "inbox_created", "inbox_updated", "conversation_typing_on", "conversation_typing_off")
}

// defaultSubscriptions is the subscriptions column's default: a webhook
// created without any gets these.
func defaultSubscriptions() []string {
	return []string{
		"conversation_status_changed", "conversation_updated", "conversation_created", "contact_created",
		"contact_updated", "message_created", "message_updated", "webwidget_triggered",
	}
}

// webhooks is what the dispatcher takes of the options.
func (o Options) webhooks() fakeapi.WebhookOptions {
	return fakeapi.WebhookOptions{
		Seed: o.Seed, MaxDelay: o.WebhookMaxDelay, DuplicateRate: o.WebhookDuplicateRate,
		RetryDelays: o.WebhookRetryDelays, Timeout: webhookTimeout, HeaderFunc: sign,
	}
}

// sign sets Chatwoot's headers: X-Chatwoot-Delivery, a uuid per request,
// and for a webhook with a secret (4.12+) X-Chatwoot-Timestamp (unix
// seconds) and X-Chatwoot-Signature, "sha256=" and the lowercase hex
// HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the secret.
func sign(ep fakeapi.WebhookEndpoint, body []byte, h http.Header) {
	h.Set("Accept", "application/json")
	h.Set("X-Chatwoot-Delivery", uuidFor(rand.Uint64()))
	if ep.Secret == "" {
		return
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h.Set("X-Chatwoot-Timestamp", ts)
	h.Set("X-Chatwoot-Signature", "sha256="+fakeapi.HMACHex(ep.Secret, []byte(ts+"."), body))
}

// AddWebhook registers an account webhook as the webhooks API does,
// without the HTTP call, and returns its id. secret "" gets a generated
// one, as Chatwoot 4.12+ does (with Options.WebhookUnsigned there is no
// secret at all); no event types means Chatwoot's default subscriptions,
// which include every event the fake sends. Chatwoot has no handshake: the
// webhook is active at once.
func (s *Server) AddWebhook(url, secret string, eventTypes ...string) (string, error) {
	ep, err := s.addWebhook(url, "", secret, eventTypes)
	return ep.ID, err
}

// addWebhook validates and registers a webhook; eventTypes nil means the
// default subscriptions.
func (s *Server) addWebhook(target, name, secret string, eventTypes []string) (fakeapi.WebhookEndpoint, error) {
	if eventTypes == nil {
		eventTypes = defaultSubscriptions()
	}
	if err := s.checkWebhook(target, eventTypes); err != nil {
		return fakeapi.WebhookEndpoint{}, err
	}
	switch {
	case s.opts.WebhookUnsigned:
		secret = ""
	case secret == "":
		secret = tokenFor(rand.Uint64(), "webhook", 24)
	}
	return s.hooks.Add(fakeapi.WebhookEndpoint{URL: target, Name: name, Secret: secret, EventTypes: eventTypes, Active: true}), nil
}

// recordInvalid is a failed validation, as Rails reports it: the attribute
// and the full message.
type recordInvalid struct{ attribute, message string }

func (e recordInvalid) Error() string { return e.message }

// checkWebhook applies the Webhook model's validations, with its messages.
func (s *Server) checkWebhook(target string, eventTypes []string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return recordInvalid{"url", "Url is invalid"}
	}
	if slices.ContainsFunc(s.hooks.Endpoints(), func(ep fakeapi.WebhookEndpoint) bool { return ep.URL == target }) {
		return recordInvalid{"url", "Url has already been taken"}
	}
	allowed := allowedEvents()
	if len(eventTypes) == 0 || slices.ContainsFunc(eventTypes, func(e string) bool { return !slices.Contains(allowed, e) }) {
		return recordInvalid{"subscriptions", "Subscriptions Invalid events"}
	}
	return nil
}

// WebhookStats returns what the server's webhooks sent.
func (s *Server) WebhookStats() fakeapi.WebhookStats { return s.hooks.Stats() }

// WaitWebhooks returns once no webhook delivery is in flight or waiting for
// a retry, or with ctx's error. Every mutation made before the call is
// included: a test mutates, waits, then checks what its receiver got.
func (s *Server) WaitWebhooks(ctx context.Context) error { return s.hooks.Wait(ctx) }

// wireWebhook is api/v1/models/_webhook. secret is absent before 4.12,
// which the fake is with Options.WebhookUnsigned.
type wireWebhook struct {
	ID            int      `json:"id"`
	Name          *string  `json:"name"`
	URL           string   `json:"url"`
	AccountID     int      `json:"account_id"`
	Subscriptions []string `json:"subscriptions"`
	Secret        string   `json:"secret,omitempty"`
}

func (s *Server) wireWebhook(ep fakeapi.WebhookEndpoint) wireWebhook {
	id, _ := strconv.Atoi(ep.ID) // the dispatcher numbers them
	return wireWebhook{ID: id, Name: strPtr(ep.Name), URL: ep.URL, AccountID: s.ws.accountID, Subscriptions: ep.EventTypes, Secret: ep.Secret}
}

// listWebhooks serves GET …/webhooks: {"payload": {"webhooks": […]}}, the
// envelope real servers send (the swagger documents a bare array).
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	list := []wireWebhook{}
	for _, ep := range s.hooks.Endpoints() {
		list = append(list, s.wireWebhook(ep))
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"webhooks": list}})
}

// createWebhook serves POST …/webhooks {"url", "name"?, "subscriptions"?}:
// {"payload": {"webhook": {…}}}, or 422 {"message", "attributes"} as
// Rails' record-invalid answer.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	var req struct {
		URL           string   `json:"url"`
		Name          string   `json:"name"`
		Subscriptions []string `json:"subscriptions"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid JSON body"})
		return
	}
	ep, err := s.addWebhook(req.URL, req.Name, "", req.Subscriptions)
	var invalid recordInvalid
	if errors.As(err, &invalid) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": invalid.message, "attributes": []string{invalid.attribute}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"webhook": s.wireWebhook(ep)}})
}

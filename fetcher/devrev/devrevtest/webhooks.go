package devrevtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// DevRev's delivery: an answer within 3 seconds, else a retry at once, after
// 30 seconds and after 3 minutes.
const webhookTimeout = 3 * time.Second

func defaultRetryDelays() []time.Duration {
	return []time.Duration{0, 30 * time.Second, 3 * time.Minute}
}

// webhooks is what the dispatcher takes of the options.
func (o Options) webhooks() fakeapi.WebhookOptions {
	retry := o.WebhookRetryDelays
	if retry == nil {
		retry = defaultRetryDelays()
	}
	return fakeapi.WebhookOptions{
		Seed: o.Seed, MaxDelay: o.WebhookMaxDelay, DuplicateRate: o.WebhookDuplicateRate,
		RetryDelays: retry, Timeout: webhookTimeout, IDFunc: webhookID, HeaderFunc: sign,
	}
}

func webhookID(n int) string { return "don:integration:dvrv-us-1:devo/0:webhook/" + strconv.Itoa(n) }

// sign sets X-DevRev-Signature: the lowercase hex HMAC-SHA256 of the raw
// body, keyed with the secret string, as DevRev's own demo verifies it.
func sign(ep fakeapi.WebhookEndpoint, body []byte, h http.Header) {
	h.Set("X-DevRev-Signature", fakeapi.HMACHex(ep.Secret, body))
}

// AddWebhook registers a webhook as webhooks.create does, without the HTTP
// call: secret "" gets a generated one, and no event types means every type
// the fake sends. It performs the verify handshake before it returns; when
// the endpoint fails it, the webhook stays registered but unverified (it
// gets no event) and the error says why; an invalid url or secret registers
// nothing and returns "".
func (s *Server) AddWebhook(url, secret string, eventTypes ...string) (string, error) {
	ep, err := s.addWebhook(context.Background(), url, secret, eventTypes)
	return ep.ID, err
}

// addWebhook validates and registers a webhook, then verifies it. The
// endpoint it returns has no ID when the request was invalid.
func (s *Server) addWebhook(ctx context.Context, target, secret string, eventTypes []string) (fakeapi.WebhookEndpoint, error) {
	if err := checkWebhook(target, secret); err != nil {
		return fakeapi.WebhookEndpoint{}, err
	}
	if secret == "" {
		secret = randomBase64(24) // 32 characters, the most DevRev takes
	}
	ep := s.hooks.Add(fakeapi.WebhookEndpoint{URL: target, Secret: secret, EventTypes: eventTypes})
	if err := s.verify(ctx, ep); err != nil {
		return ep, err
	}
	ep.Active = true
	return ep, nil
}

// checkWebhook applies webhooks-create-request's rules: an absolute http(s)
// URL, and a secret of 8 to 32 bytes when one is given.
func checkWebhook(target, secret string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q is not an absolute http(s) URL", target)
	}
	if secret != "" && (len(secret) < 8 || len(secret) > 32) {
		return errors.New("secret must be between 8 and 32 bytes")
	}
	return nil
}

// verify performs the handshake: a signed "verify" event whose challenge
// the endpoint must echo in a 200 answer, {"challenge": "…"}. Passing it
// makes the webhook active.
func (s *Server) verify(ctx context.Context, ep fakeapi.WebhookEndpoint) error {
	challenge := randomBase64(32)
	body := eventBody(ep, eventVerify, time.Now().UTC(), wireVerifyEvent{Challenge: challenge})
	status, answer, err := s.hooks.Post(ctx, ep, body)
	if err != nil {
		return fmt.Errorf("devrevtest: verify handshake with %s: %w", ep.URL, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("devrevtest: verify handshake with %s: answered %d, want 200", ep.URL, status)
	}
	var got wireVerifyEvent
	if json.Unmarshal(answer, &got) != nil || got.Challenge != challenge {
		return fmt.Errorf("devrevtest: verify handshake with %s: the answer does not echo the challenge", ep.URL)
	}
	s.hooks.SetActive(ep.ID, true)
	return nil
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(b)
}

// WebhookStats returns what the server's webhooks sent.
func (s *Server) WebhookStats() fakeapi.WebhookStats { return s.hooks.Stats() }

// WaitWebhooks returns once no webhook delivery is in flight or waiting for
// a retry, or with ctx's error. Every mutation made before the call is
// included: a test mutates, waits, then checks what its receiver got.
func (s *Server) WaitWebhooks(ctx context.Context) error { return s.hooks.Wait(ctx) }

// wireWebhook is the spec's webhook object.
type wireWebhook struct {
	ID         string   `json:"id"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	Secret     string   `json:"secret"`
	Status     string   `json:"status"` // active, or unverified until the handshake passes
}

func toWireWebhook(ep fakeapi.WebhookEndpoint) wireWebhook {
	ww := wireWebhook{ID: ep.ID, URL: ep.URL, EventTypes: ep.EventTypes, Secret: ep.Secret, Status: "unverified"}
	if ww.EventTypes == nil {
		ww.EventTypes = []string{}
	}
	if ep.Active {
		ww.Status = "active"
	}
	return ww
}

// createWebhook serves webhooks.create: 201 {"webhook"} once the handshake
// is over, whatever its outcome (the status says it). Event types are not
// checked against the spec's list: a type the fake does not send is never
// sent.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL        string   `json:"url"`
		EventTypes []string `json:"event_types"`
		Secret     string   `json:"secret"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	ep, err := s.addWebhook(r.Context(), req.URL, req.Secret, req.EventTypes)
	if ep.ID == "" {
		badRequest(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		Webhook wireWebhook `json:"webhook"`
	}{toWireWebhook(ep)})
}

// listWebhooks serves webhooks.list.
func (s *Server) listWebhooks(w http.ResponseWriter, _ *http.Request) {
	resp := struct {
		Webhooks []wireWebhook `json:"webhooks"`
	}{Webhooks: []wireWebhook{}}
	for _, ep := range s.hooks.Endpoints() {
		resp.Webhooks = append(resp.Webhooks, toWireWebhook(ep))
	}
	writeJSON(w, http.StatusOK, resp)
}

package chatwoot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// Chatwoot's webhook headers. Versions 4.12 and later sign deliveries when
// the webhook has a secret; older ones send only the delivery id.
const (
	deliveryHeader  = "X-Chatwoot-Delivery"
	timestampHeader = "X-Chatwoot-Timestamp"
	signatureHeader = "X-Chatwoot-Signature"
)

// webhookBody is the part of a delivery syncer reads: the event, and the
// conversation it concerns (the body's own id for conversation events, its
// conversation's for message events; both display ids, as the API's).
type webhookBody struct {
	Event        string       `json:"event"`
	ID           *fetcher.Int `json:"id"`
	Conversation *struct {
		ID        *fetcher.Int `json:"id"`
		DisplayID *fetcher.Int `json:"display_id"`
	} `json:"conversation"`
	Account *struct {
		ID *fetcher.Int `json:"id"`
	} `json:"account"`
}

// ReceiveWebhook implements fetcher.WebhookReceiver for Chatwoot's account
// webhooks: signed ("sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>")
// and dated, or, for a source configured with webhook_unsigned, neither.
func (c *Client) ReceiveWebhook(h http.Header, body []byte, now time.Time) (*fetcher.WebhookDelivery, error) {
	at, err := c.authenticate(h, body, now)
	if err != nil {
		return nil, err
	}
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: fmt.Errorf("decode event: %w", err)}
	}
	if b.Event == "" {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: errors.New("delivery has no event")}
	}
	d := &fetcher.WebhookDelivery{ID: h.Get(deliveryHeader), Type: fetcher.EventType(b.Event, webhookEvents()...), At: at}
	// Another account's is nothing to read here. The public API has no
	// account to compare: its reads go through the contact's own list.
	if c.accountID != "" && b.Account != nil && b.Account.ID != nil && b.Account.ID.String() != c.accountID {
		return d, nil
	}
	if id := b.conversationID(); id != "" {
		d.ConversationIDs = []string{id}
	}
	return d, nil
}

// authenticate checks a delivery's signature and age, and returns when it
// was sent (now for an unsigned one, which says nothing).
func (c *Client) authenticate(h http.Header, body []byte, now time.Time) (time.Time, error) {
	sig, ts := h.Get(signatureHeader), h.Get(timestampHeader)
	if c.webhookUnsigned && c.webhookSecret == "" {
		// Unsigned deliveries are taken, and a signed one (a Chatwoot that
		// began to sign) can be checked against no secret: it is taken as
		// unsigned. With a secret (the configuration refuses both), a
		// delivery without a signature is a forgery.
		return now, nil
	}
	message := append([]byte(ts+"."), body...)
	if ts == "" || !fetcher.ValidHMAC(c.webhookSecret, message, strings.TrimPrefix(sig, "sha256=")) {
		return time.Time{}, &fetcher.WebhookError{Outcome: fetcher.WebhookBadSignature, Err: errors.New("missing or wrong " + signatureHeader)}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: fmt.Errorf("%s %q is not unix seconds", timestampHeader, ts)}
	}
	at := time.Unix(secs, 0)
	return at, fetcher.CheckWebhookAge(at, now)
}

func (b *webhookBody) conversationID() string {
	switch {
	case strings.HasPrefix(b.Event, "conversation_") && b.ID != nil:
		return b.ID.String()
	case strings.HasPrefix(b.Event, "message_") && b.Conversation != nil:
		if b.Conversation.DisplayID != nil {
			return b.Conversation.DisplayID.String()
		}
		if b.Conversation.ID != nil {
			return b.Conversation.ID.String()
		}
	}
	return ""
}

package fetcher

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// WebhookReceiver is implemented by sources whose vendor sends webhooks. A
// webhook is a hint, never data: a delivery only names the conversations to
// read again from the API.
type WebhookReceiver interface {
	// ReceiveWebhook checks a delivery's authenticity and freshness (now is
	// the receiver's clock) and says what it hints at. Its errors are
	// *WebhookError.
	ReceiveWebhook(header http.Header, body []byte, now time.Time) (*WebhookDelivery, error)
}

// WebhookDelivery is what one authentic delivery says.
type WebhookDelivery struct {
	// ID identifies the delivery, for spotting duplicates; empty when the
	// vendor sends none.
	ID string
	// Type is the vendor's event type, for metrics ("verify" for DevRev's
	// handshake): one the receiver knows, or "other" (see EventType).
	Type string
	// At is when the vendor says the event happened; zero when it does not
	// say.
	At time.Time
	// ConversationIDs are the conversations to read again; none for events
	// about other objects.
	ConversationIDs []string
	// Reply, when set, is the JSON to answer with (a handshake's).
	Reply []byte
}

// Outcomes of a delivery that is refused, as metrics label them.
const (
	WebhookBadSignature = "bad_signature"
	WebhookStale        = "stale"
	WebhookMalformed    = "malformed"
)

// WebhookError is a delivery that is refused: Outcome says why.
type WebhookError struct {
	Outcome string
	Err     error
}

func (e *WebhookError) Error() string { return e.Outcome + ": " + e.Err.Error() }
func (e *WebhookError) Unwrap() error { return e.Err }

// MaxWebhookAge is how old an event may be before it is taken for a replay.
const MaxWebhookAge = 5 * time.Minute

// CheckWebhookAge refuses an event dated more than MaxWebhookAge from now,
// either way (a clock far ahead is as suspect as a replay).
func CheckWebhookAge(at, now time.Time) error {
	if d := now.Sub(at); d > MaxWebhookAge || d < -MaxWebhookAge {
		return &WebhookError{Outcome: WebhookStale, Err: errors.New("event timestamp is more than 5 minutes from now")}
	}
	return nil
}

// ValidHMAC reports whether signature is the HMAC-SHA256 of message under
// secret, in lowercase or uppercase hex or in base64 (standard or URL
// encoding), compared in constant time. Vendors do not all say which
// encoding they use.
func ValidHMAC(secret string, message []byte, signature string) bool {
	if secret == "" || signature == "" {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(message)
	want := mac.Sum(nil)
	signature = strings.TrimSpace(signature)
	for _, decode := range []func(string) ([]byte, error){
		hex.DecodeString, base64.StdEncoding.DecodeString, base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString,
	} {
		if got, err := decode(signature); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// WebhookRegistrar is implemented by sources whose vendor has an API to
// create webhooks (`syncer webhooks register` and `list`).
type WebhookRegistrar interface {
	// RegisterWebhook creates a webhook that sends the events syncer reads
	// to url.
	RegisterWebhook(ctx context.Context, url string) (*WebhookInfo, error)
	// ListWebhooks lists the vendor's webhooks, secrets left out.
	ListWebhooks(ctx context.Context) ([]WebhookInfo, error)
}

// WebhookInfo describes a webhook at the vendor.
type WebhookInfo struct {
	ID, URL, Status string
	Events          []string
	// Secret is set only by RegisterWebhook, when the vendor generated one:
	// it goes into the source's configuration (webhook_secret).
	Secret string
}

// EventType is t when it is one of the known event types, and "other"
// otherwise. A delivery's type labels metrics: a label the sender could
// choose would let whoever reaches the endpoint (an unsigned source's, say)
// grow them without bound.
func EventType(t string, known ...string) string {
	if slices.Contains(known, t) {
		return t
	}
	return "other"
}

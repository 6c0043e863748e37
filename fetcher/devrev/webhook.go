package devrev

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// signatureHeader carries DevRev's HMAC-SHA256 of the raw body, keyed with
// the webhook's secret.
const signatureHeader = "X-DevRev-Signature"

// webhookEvent is the part of a webhook-event-request syncer reads: which
// conversation an event concerns. The objects have their REST shape.
type webhookEvent struct {
	ID        string       `json:"id"`
	Timestamp fetcher.Time `json:"timestamp"`
	Type      string       `json:"type"`
	Verify    *struct {
		Challenge string `json:"challenge"`
	} `json:"verify"`
	// Challenge: DevRev's own demo reads a top-level one; accepted too.
	Challenge string `json:"challenge"`

	ConversationCreated  *conversationEvent `json:"conversation_created"`
	ConversationUpdated  *conversationEvent `json:"conversation_updated"`
	ConversationDeleted  *conversationEvent `json:"conversation_deleted"`
	TimelineEntryCreated *entryEvent        `json:"timeline_entry_created"`
	TimelineEntryUpdated *entryEvent        `json:"timeline_entry_updated"`
	TimelineEntryDeleted *entryEvent        `json:"timeline_entry_deleted"`
	SLATrackerCreated    *trackerEvent      `json:"sla_tracker_created"`
	SLATrackerUpdated    *trackerEvent      `json:"sla_tracker_updated"`
	SLATrackerDeleted    *trackerEvent      `json:"sla_tracker_deleted"`
}

type conversationEvent struct {
	Conversation    *struct{ ID string } `json:"conversation"`
	OldConversation *struct{ ID string } `json:"old_conversation"`
	ID              string               `json:"id"` // of a deleted one
}

type entryEvent struct {
	Entry    *webhookEntry `json:"entry"`
	OldEntry *webhookEntry `json:"old_entry"`
	ID       string        `json:"id"` // of a deleted one
}

type webhookEntry struct {
	ID     string `json:"id"`
	Object string `json:"object"` // what the entry is on: the conversation
}

type trackerEvent struct {
	SLATracker    *webhookTracker `json:"sla_tracker"`
	OldSLATracker *webhookTracker `json:"old_sla_tracker"`
}

type webhookTracker struct {
	AppliesToID string `json:"applies_to_id"`
}

// ReceiveWebhook implements fetcher.WebhookReceiver for DevRev's webhooks:
// signed with the secret, dated (older than five minutes is a replay), and
// naming a conversation, a timeline entry of one, or its SLA tracker.
//
// The verify handshake is answered signed or not: DevRev sends it as it
// creates a webhook, signed with the new webhook's secret, before the
// operator has configured it (the first webhook's, or the one that replaces
// it), and echoing a challenge reads nothing and queues nothing.
func (c *Client) ReceiveWebhook(h http.Header, body []byte, now time.Time) (*fetcher.WebhookDelivery, error) {
	signed := fetcher.ValidHMAC(c.webhookSecret, body, h.Get(signatureHeader))
	var ev webhookEvent
	err := unmarshal(body, &ev)
	if !signed && !(err == nil && ev.Type == "verify") {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookBadSignature, Err: errors.New("missing or wrong " + signatureHeader)}
	}
	if err != nil {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: fmt.Errorf("decode event: %w", err)}
	}
	if ev.Type == "" {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: errors.New("event has no type")}
	}
	if ev.Type == "verify" {
		// Undated or old, a handshake is answered: the spec does not
		// require its timestamp, and a replayed one only echoes itself.
		return handshake(&ev)
	}
	if ev.Timestamp.IsZero() {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: errors.New("event has no timestamp")}
	}
	if err := fetcher.CheckWebhookAge(ev.Timestamp.Time, now); err != nil {
		return nil, err
	}
	d := &fetcher.WebhookDelivery{ID: ev.ID, Type: fetcher.EventType(ev.Type, webhookEvents()...), At: ev.Timestamp.Time}
	if id := conversationOf(ev.conversationID()); isConversation(id) {
		d.ConversationIDs = []string{id}
	}
	return d, nil
}

// handshake answers a verify event with its challenge.
func handshake(ev *webhookEvent) (*fetcher.WebhookDelivery, error) {
	challenge := ev.Challenge
	if ev.Verify != nil {
		challenge = ev.Verify.Challenge
	}
	if challenge == "" {
		return nil, &fetcher.WebhookError{Outcome: fetcher.WebhookMalformed, Err: errors.New("verify event without a challenge")}
	}
	reply, err := json.Marshal(map[string]string{"challenge": challenge})
	if err != nil {
		return nil, fmt.Errorf("encode the challenge: %w", err)
	}
	return &fetcher.WebhookDelivery{ID: ev.ID, Type: "verify", At: ev.Timestamp.Time, Reply: reply}, nil
}

// conversationID is the conversation the event concerns, or "" for events
// about other objects.
func (ev *webhookEvent) conversationID() string {
	for _, c := range []*conversationEvent{ev.ConversationCreated, ev.ConversationUpdated, ev.ConversationDeleted} {
		switch {
		case c == nil:
		case c.Conversation != nil && c.Conversation.ID != "":
			return c.Conversation.ID
		case c.ID != "":
			return c.ID
		case c.OldConversation != nil:
			return c.OldConversation.ID
		}
	}
	for _, e := range []*entryEvent{ev.TimelineEntryCreated, ev.TimelineEntryUpdated, ev.TimelineEntryDeleted} {
		switch {
		case e == nil:
		case e.Entry != nil && e.Entry.Object != "":
			return e.Entry.Object
		case e.OldEntry != nil && e.OldEntry.Object != "":
			return e.OldEntry.Object
		default:
			// A deleted entry may come with its id alone, which names its
			// object: <conversation id>:comment/<n>.
			return e.ID
		}
	}
	for _, t := range []*trackerEvent{ev.SLATrackerCreated, ev.SLATrackerUpdated, ev.SLATrackerDeleted} {
		switch {
		case t == nil:
		case t.SLATracker != nil && t.SLATracker.AppliesToID != "":
			return t.SLATracker.AppliesToID
		case t.OldSLATracker != nil:
			return t.OldSLATracker.AppliesToID
		}
	}
	return ""
}

// conversationOf is the conversation an event's object id is in: a
// comment's id, and so a reply's object (the comment it answers), is
// <conversation id>:comment/<n>.
func conversationOf(id string) string {
	if i := strings.Index(id, ":comment/"); i > 0 {
		return id[:i]
	}
	return id
}

// isConversation reports whether a DevRev id names a conversation (not a
// ticket or an issue, whose timelines syncer does not mirror).
func isConversation(id string) bool { return strings.Contains(id, ":conversation/") }

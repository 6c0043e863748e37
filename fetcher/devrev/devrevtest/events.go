package devrevtest

import (
	"crypto/rand"
	"encoding/json"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// The webhook event types the fake sends (webhook-event-type in the spec).
// There are no chat events: DevRev has none.
const (
	eventConversationCreated  = "conversation_created"
	eventConversationUpdated  = "conversation_updated"
	eventConversationDeleted  = "conversation_deleted"
	eventTimelineEntryCreated = "timeline_entry_created"
	eventTimelineEntryUpdated = "timeline_entry_updated"
	eventTimelineEntryDeleted = "timeline_entry_deleted"
	eventSLATrackerUpdated    = "sla_tracker_updated"
	eventVerify               = "verify"
)

// change is one webhook event a mutation causes: its type and the DON of
// the conversation, timeline entry or SLA tracker it is about. It holds no
// rendered object: servers render it only when a webhook wants it, so that
// a workspace nobody listens to mutates as fast as before.
type change struct {
	event, id string
}

// EventType makes a change a fakeapi.Change.
func (ch change) EventType() string { return ch.event }

// The event payloads (event-conversation-created and its siblings). Each
// carries the object in the shape the REST endpoints serve. The optional
// old_conversation and old_entry are never sent: receivers must not need
// them.
type (
	wireConversationEvent struct {
		Conversation wireConversation `json:"conversation"`
	}
	wireEntryEvent struct {
		Entry any `json:"entry"`
	}
	wireTrackerEvent struct {
		SLATracker *wireTracker `json:"sla_tracker"`
	}
	wireDeletedEvent struct {
		ID string `json:"id"`
	}
	wireVerifyEvent struct {
		Challenge string `json:"challenge"`
	}
)

// eventPayload renders the payload of ch's event from the workspace as it
// is now. ok is false when the object is gone since (a later mutation
// deleted it, and sends its own event). Called with w.mu held.
func (w *Workspace) eventPayload(ch change) (payload any, ok bool) {
	switch ch.event {
	case eventConversationDeleted, eventTimelineEntryDeleted:
		return wireDeletedEvent{ID: ch.id}, true
	case eventTimelineEntryCreated, eventTimelineEntryUpdated:
		c, e := w.entryByRef(ch.id)
		if e == nil {
			return nil, false
		}
		return wireEntryEvent{Entry: e.wire(c)}, true
	case eventSLATrackerUpdated:
		t := w.trackerByRef(ch.id)
		if t == nil {
			return nil, false
		}
		return wireTrackerEvent{SLATracker: t.wire()}, true
	}
	c := w.conversationByRef(ch.id)
	if c == nil {
		return nil, false
	}
	return wireConversationEvent{Conversation: c.wire()}, true
}

// publish is the server's subscription to its workspace: it renders the
// events some webhook wants and hands them to the dispatcher, which sends
// them in the background.
func (s *Server) publish(changes []change) {
	events := fakeapi.Render(s.hooks, s.ws.mu.RLocker(), changes, s.ws.eventPayload)
	at := time.Now().UTC()
	for _, ev := range events {
		s.hooks.Deliver(ev.Type, func(ep fakeapi.WebhookEndpoint) []byte { return eventBody(ep, ev.Type, at, ev.Payload) })
	}
}

// eventBody is webhook-event-request: the envelope, and the payload under
// the key its type names. Each endpoint gets its own event id, as each
// webhook's delivery is its own event; a duplicate or a retry repeats it.
// timestamp is the wall clock, not the workspace's: receivers check it
// against theirs to refuse replays.
func eventBody(ep fakeapi.WebhookEndpoint, typ string, at time.Time, payload any) []byte {
	body, err := json.Marshal(map[string]any{
		"id":         rand.Text(), // opaque: the spec says only that it is unique
		"webhook_id": ep.ID,
		"timestamp":  at.Format("2006-01-02T15:04:05.000Z07:00"),
		"type":       typ,
		typ:          payload,
	})
	if err != nil {
		// The wire structs always encode; failing here is a bug in the fake.
		panic("devrevtest: cannot encode a webhook event: " + err.Error())
	}
	return body
}

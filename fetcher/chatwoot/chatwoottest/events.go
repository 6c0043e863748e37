package chatwoottest

import (
	"encoding/json"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// The account webhook events the fake sends (Chatwoot's WebhookListener).
// Deleting a message is a message_updated; removing a message or a
// conversation sends nothing, as in Chatwoot, where only polling sees them.
const (
	eventConversationCreated       = "conversation_created"
	eventConversationUpdated       = "conversation_updated"
	eventConversationStatusChanged = "conversation_status_changed"
	eventMessageCreated            = "message_created"
	eventMessageUpdated            = "message_updated"
)

// change is one webhook event a mutation causes: its type, the
// conversation's display id, the message's id for message events, and for
// conversation updates the attributes that changed, with the values they
// had before and have now (which only the mutation knows). Servers render
// the rest only when a webhook wants it, so that a workspace nobody listens
// to mutates as fast as before.
type change struct {
	event   string
	conv    int
	msg     int
	changed []attrChange
}

// EventType makes a change a fakeapi.Change.
func (ch change) EventType() string { return ch.event }

type attrChange struct {
	name              string
	previous, current any
}

// messageChange is the event of a created or updated message, none for an
// activity message: Chatwoot never sends those (webhook_sendable?).
func messageChange(event string, m *message) []change {
	if m.messageType == msgActivity {
		return nil
	}
	return []change{{event: event, conv: m.conv.id, msg: m.id}}
}

// wireHookConversation is Conversation#webhook_data (the push_data
// presenter): the API's conversation, without the account id, embedding its
// latest chat message (neither activity nor private), with the channel and
// contact inbox on top. Conversation events add "event" and, for updates,
// "changed_attributes"; message events embed it without them.
type wireHookConversation struct {
	wireConversation
	AccountID         *int              `json:"account_id,omitempty"` // shadows the API's: never set
	Messages          []wirePushMessage `json:"messages"`
	Channel           string            `json:"channel"`
	ContactInbox      wireHookInbox     `json:"contact_inbox"`
	Event             string            `json:"event,omitempty"`
	ChangedAttributes []map[string]any  `json:"changed_attributes,omitempty"`
}

// wireHookInbox is the conversation's ContactInbox record (its own id and
// timestamps are not modelled).
type wireHookInbox struct {
	ContactID    int    `json:"contact_id"`
	InboxID      int    `json:"inbox_id"`
	SourceID     string `json:"source_id"`
	HmacVerified bool   `json:"hmac_verified"`
}

// wireHookMessage is Message#webhook_data plus "event": unlike the API's
// messages, message_type is the enum's name and created_at an ISO string.
type wireHookMessage struct {
	Account              wireNamed            `json:"account"`
	AdditionalAttributes json.RawMessage      `json:"additional_attributes"`
	ContentAttributes    json.RawMessage      `json:"content_attributes"`
	ContentType          string               `json:"content_type"`
	Content              *string              `json:"content"`
	Conversation         wireHookConversation `json:"conversation"`
	CreatedAt            string               `json:"created_at"`
	ID                   int                  `json:"id"`
	Inbox                wireNamed            `json:"inbox"`
	MessageType          string               `json:"message_type"`
	Private              bool                 `json:"private"`
	Sender               any                  `json:"sender"`
	SourceID             *string              `json:"source_id"`
	Attachments          []wireAttachment     `json:"attachments,omitempty"`
	Event                string               `json:"event"`
}

// wireNamed is the {id, name} of Account#webhook_data and Inbox#webhook_data.
type wireNamed struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// wireHookContact is Contact#webhook_data, a message's sender.
type wireHookContact struct {
	wireContactFields
	Avatar string `json:"avatar"`
	Type   string `json:"type"`
}

// wireHookUser is User#webhook_data and, without email, AgentBot's.
type wireHookUser struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Email *string `json:"email,omitempty"`
	Type  string  `json:"type"`
}

// hookConversation renders c as webhook_data. Called with w.mu held.
func (w *Workspace) hookConversation(c *conversation) wireHookConversation {
	hc := wireHookConversation{
		wireConversation: w.wireConversation(c),
		Messages:         []wirePushMessage{},
		Channel:          c.inbox.channelType,
		ContactInbox:     wireHookInbox{ContactID: c.contact.id, InboxID: c.inbox.id, SourceID: c.contact.sourceID},
	}
	for i := len(c.messages) - 1; i >= 0; i-- {
		if m := c.messages[i]; m.public() {
			hc.Messages = append(hc.Messages, w.wirePush(m))
			break
		}
	}
	return hc
}

// hookMessage renders m as webhook_data. Called with w.mu held.
func (w *Workspace) hookMessage(m *message) wireHookMessage {
	return wireHookMessage{
		Account:              wireNamed{ID: w.accountID, Name: w.accountName()},
		AdditionalAttributes: rawEmptyObject,
		ContentAttributes:    m.attrs,
		ContentType:          m.contentType,
		Content:              m.wireContent(),
		Conversation:         w.hookConversation(m.conv),
		CreatedAt:            iso(m.created),
		ID:                   m.id,
		Inbox:                wireNamed{ID: m.conv.inbox.id, Name: m.conv.inbox.name},
		MessageType:          [...]string{"incoming", "outgoing", "activity", "template"}[m.messageType],
		Private:              m.private,
		Sender:               w.hookSender(m),
		SourceID:             strPtr(m.sourceID),
		Attachments:          w.wireAttachments(m),
	}
}

// accountName is the account's name, which only webhooks show.
func (w *Workspace) accountName() string {
	return w.vocab.Companies[(w.accountID-1)%len(w.vocab.Companies)]
}

// hookSender is the sender's webhook_data; nil (null) when it has none.
func (w *Workspace) hookSender(m *message) any {
	switch m.senderType {
	case senderContact:
		if ct := w.contactBy[m.senderID]; ct != nil {
			return wireHookContact{wireContactFields: ct.sender.wireContactFields, Type: senderContact}
		}
	case senderUser:
		if m.senderID >= 1 && m.senderID <= len(w.agents) {
			a := w.agents[m.senderID-1]
			return wireHookUser{ID: a.id, Name: a.name, Email: strPtr(a.email), Type: senderUser}
		}
	case senderAgentBot:
		return wireHookUser{ID: w.bot.id, Name: w.bot.name, Type: senderAgentBot}
	}
	return nil
}

// eventBody renders ch's event from the workspace as it is now; ok is false
// when its conversation or message is gone since. Called with w.mu held.
func (w *Workspace) eventBody(ch change) (body any, ok bool) {
	if ch.msg != 0 {
		m := w.messages[ch.msg]
		if m == nil {
			return nil, false
		}
		hm := w.hookMessage(m)
		hm.Event = ch.event
		return hm, true
	}
	c := w.convBy[ch.conv]
	if c == nil {
		return nil, false
	}
	hc := w.hookConversation(c)
	hc.Event = ch.event
	for _, a := range ch.changed {
		hc.ChangedAttributes = append(hc.ChangedAttributes, map[string]any{
			a.name: map[string]any{"previous_value": a.previous, "current_value": a.current},
		})
	}
	return hc, true
}

// publish is the server's subscription to its workspace: it renders the
// events some webhook wants and hands them to the dispatcher, which sends
// them in the background. Every endpoint gets the same bytes.
func (s *Server) publish(changes []change) {
	for _, ev := range fakeapi.Render(s.hooks, s.ws.mu.RLocker(), changes, s.ws.eventBody) {
		raw, err := json.Marshal(ev.Payload)
		if err != nil {
			// The wire structs always encode; failing here is a bug in the fake.
			panic("chatwoottest: cannot encode a webhook event: " + err.Error())
		}
		s.hooks.Deliver(ev.Type, func(fakeapi.WebhookEndpoint) []byte { return raw })
	}
}

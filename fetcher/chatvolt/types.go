package chatvolt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/syncerhq/syncer/fetcher"
)

// The wire types carry only what syncer reads; everything else stays in the
// raw JSON kept with each record. Chatvolt publishes no schema, and its API is
// Prisma rows serialized as they come: every nullable column may be null, and
// undocumented fields (_count, channelData, …) appear on some records. Nothing
// here fails on a null, a missing field or an unknown one.

// listResponse is GET /conversation in either dialect: a plain JSON array, or
// an envelope {"conversations":[…],"nextCursor":…}. HasCursor tells them apart:
// it is true when the envelope carries a nextCursor key (even null), which is
// the sign that the server pages by cursor.
type listResponse struct {
	Items      []json.RawMessage
	HasCursor  bool
	NextCursor string
}

func (r *listResponse) UnmarshalJSON(b []byte) error {
	items, env, err := envelopedList(b, "conversations")
	if err != nil {
		return err
	}
	// Nor is a null list an empty listing: read as one, it would end a
	// backfill with nothing, and a sweep would take every conversation for
	// gone and ask for each.
	if isNull(items) {
		return errors.New("conversations: null instead of a list")
	}
	if err := json.Unmarshal(items, &r.Items); err != nil {
		return fmt.Errorf("conversations: %w", err)
	}
	cursor, ok := env["nextCursor"]
	if !ok {
		cursor, ok = env["next_cursor"]
	}
	if ok {
		r.HasCursor = true
		var s flexString
		if err := json.Unmarshal(cursor, &s); err != nil {
			return fmt.Errorf("nextCursor: %w", err)
		}
		r.NextCursor = string(s)
	}
	return nil
}

// messagesResponse is GET /conversation/{id}/messages/{count}: a JSON array,
// or (leniently) an object wrapping one under "messages".
type messagesResponse struct {
	Items []json.RawMessage
}

func (r *messagesResponse) UnmarshalJSON(b []byte) error {
	items, _, err := envelopedList(b, "messages")
	if err != nil {
		return err
	}
	// An answer that holds no list of messages is not an empty
	// conversation: read as one, it would take every message for deleted.
	if isNull(items) {
		return errors.New("messages: null instead of a list")
	}
	return json.Unmarshal(items, &r.Items)
}

// envelopedList finds the list of an answer that is a JSON array or an
// object holding one under name (or, leniently, under one of the usual
// envelope names); it also returns the object's fields. An answer with no
// list at all is an error, never an empty list.
func envelopedList(b []byte, name string) (json.RawMessage, map[string]json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return b, nil, nil
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, nil, err
	}
	for _, k := range []string{name, "data", "items", "results"} {
		if items, ok := env[k]; ok {
			return items, env, nil
		}
	}
	return nil, nil, fmt.Errorf("neither a JSON array nor an object with %s", name)
}

// unwrapConversation returns the conversation object of a GET
// /conversation/{id} answer, which is the object itself or, leniently, an
// object wrapping it under "conversation".
func unwrapConversation(b []byte) json.RawMessage {
	var env struct {
		ID           json.RawMessage `json:"id"`
		Conversation json.RawMessage `json:"conversation"`
	}
	if json.Unmarshal(b, &env) == nil && env.ID == nil && len(env.Conversation) > 0 && !isNull(env.Conversation) {
		return env.Conversation
	}
	return bytes.TrimSpace(b)
}

// summary is a conversation as the list endpoint serves it. Only what the
// listing needs is decoded: details come from GET /conversation/{id}.
type summary struct {
	ID        flexString       `json:"id"`
	Status    flexString       `json:"status"`
	CreatedAt fetcher.UnixTime `json:"createdAt"`
	UpdatedAt fetcher.UnixTime `json:"updatedAt"`
}

// conversation is Chatvolt's ConversationDetailed.
type conversation struct {
	ID                       flexString        `json:"id"`
	Title                    flexString        `json:"title"`
	Channel                  flexString        `json:"channel"`
	Status                   flexString        `json:"status"`
	Priority                 flexString        `json:"priority"`
	CreatedAt                fetcher.UnixTime  `json:"createdAt"`
	UpdatedAt                fetcher.UnixTime  `json:"updatedAt"`
	ParticipantsContacts     []json.RawMessage `json:"participantsContacts"`
	Assignees                []json.RawMessage `json:"assignees"`
	Tags                     []json.RawMessage `json:"tags"`
	CRMScenarioConversations []json.RawMessage `json:"crmScenarioConversations"`
	// isAiEnabled, frustration, metadata, conversationVariables,
	// conversationContexts and the channel, agent, user and visitor references
	// have no column: they are kept in raw only, and not decoded, so that an
	// odd value there cannot quarantine the conversation.
}

// member is an organization user (an assignee). Some Prisma includes nest
// the user under "user"; both shapes are read.
type member struct {
	ID    flexString `json:"id"`
	Name  flexString `json:"name"`
	Email flexString `json:"email"`
	User  *struct {
		ID    flexString `json:"id"`
		Name  flexString `json:"name"`
		Email flexString `json:"email"`
	} `json:"user"`
}

// contact is a participantsContacts element.
type contact struct {
	ID          flexString `json:"id"`
	FirstName   flexString `json:"firstName"`
	LastName    flexString `json:"lastName"`
	Email       flexString `json:"email"`
	PhoneNumber flexString `json:"phoneNumber"`
}

// tag is a tags element: {id, name}, or leniently a bare name.
type tag struct {
	ID   flexString `json:"id"`
	Name flexString `json:"name"`
}

func (t *tag) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		t.Name = flexString(s)
		return nil
	}
	type plain tag
	return json.Unmarshal(b, (*plain)(t))
}

// crmScenarioConversation is a crmScenarioConversations element. The ids are
// read from the nested scenario and step, or from flat scenarioId/stepId.
type crmScenarioConversation struct {
	Available  *bool            `json:"available"`
	Scenario   *ref             `json:"scenario"`
	Step       *ref             `json:"step"`
	ScenarioID flexString       `json:"scenarioId"`
	StepID     flexString       `json:"stepId"`
	CreatedAt  fetcher.UnixTime `json:"createdAt"`
	UpdatedAt  fetcher.UnixTime `json:"updatedAt"`
}

type ref struct {
	ID   flexString `json:"id"`
	Name flexString `json:"name"`
}

// message is a Chatvolt message.
type message struct {
	ID             flexString       `json:"id"`
	Text           *string          `json:"text"`
	HTML           *string          `json:"html"`
	From           flexString       `json:"from"`
	ConversationID flexString       `json:"conversationId"`
	AgentID        flexString       `json:"agentId"`
	ContactID      flexString       `json:"contactId"`
	UserID         flexString       `json:"userId"`
	VisitorID      flexString       `json:"visitorId"`
	CreatedAt      fetcher.UnixTime `json:"createdAt"`
	UpdatedAt      fetcher.UnixTime `json:"updatedAt"`
}

// flexString is a string that may arrive as null (then ""), as a number or as
// a boolean (then its JSON text).
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	*s = ""
	if isNull(b) {
		return nil
	}
	var str string
	if json.Unmarshal(b, &str) == nil {
		*s = flexString(str)
		return nil
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return fmt.Errorf("expected a string, got %s", snippet(b))
	}
	*s = flexString(b)
	return nil
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// snippet shows the start of a JSON value in an error.
func snippet(b []byte) string {
	const n = 60
	s := string(b)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

package chatvolt

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// Chatvolt's conversation statuses, priorities and message authors, as the
// API spells them.
const (
	statusResolved       = "RESOLVED"
	statusUnresolved     = "UNRESOLVED"
	statusHumanRequested = "HUMAN_REQUESTED"

	fromAgent = "agent" // the AI agent, or an operator answering in its place
	fromHuman = "human" // the customer
)

// User types of the users syncer records for Chatvolt.
const (
	userTypeMember  = "user"    // an organization member (an assignee)
	userTypeContact = "contact" // a customer known as a contact
)

// addConversation normalizes one ConversationDetailed into page, whole or not
// at all (see fetcher.AddConversation).
func addConversation(raw json.RawMessage, page *fetcher.ConversationPage) {
	fetcher.AddConversation(page, raw, func(raw json.RawMessage, one *fetcher.ConversationPage) error {
		links, err := normalizeConversation(raw, &one.Batch)
		if err != nil {
			return err
		}
		// The CRM links are complete for the conversation: they replace
		// the mirror's.
		for _, c := range one.Batch.Conversations {
			one.Batch.CRMLinksOf = append(one.Batch.CRMLinksOf, c.ID)
		}
		one.Batch.CRMLinks = links
		return nil
	})
}

// addMessage normalizes one message into b, whole or not at all.
func addMessage(conversationID string, raw json.RawMessage, b *record.Batch) {
	fetcher.AddMessage(b, conversationID, raw, normalizeMessage)
}

// normalizeConversation turns one ConversationDetailed into records, adding
// them to b: the conversation, its assignees (role assignee) and contacts
// (role member) as users and participants, and its tags. Participants and tags
// are complete, so they replace the mirror's. It returns the conversation's
// CRM scenario links.
func normalizeConversation(raw json.RawMessage, b *record.Batch) ([]record.CRMScenarioLink, error) {
	var c conversation
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode conversation: %w", err)
	}
	id := string(c.ID)
	if id == "" {
		return nil, errors.New("conversation has no id")
	}
	native := string(c.Status)
	b.Conversations = append(b.Conversations, record.Conversation{
		ID:           id,
		Title:        string(c.Title),
		Status:       normalStatus(native),
		NativeStatus: native,
		Priority:     strings.ToLower(string(c.Priority)),
		Channel:      string(c.Channel),
		CreatedAt:    c.CreatedAt.Time,
		ModifiedAt:   c.UpdatedAt.Time,
		Raw:          raw,
	})

	b.ParticipantsOf = append(b.ParticipantsOf, id)
	if err := decodeEach(c.Assignees, "assignee", func(m member, raw json.RawMessage) { addAssignee(id, m, raw, b) }); err != nil {
		return nil, err
	}
	if err := decodeEach(c.ParticipantsContacts, "participant contact", func(ct contact, raw json.RawMessage) { addContact(id, ct, raw, b) }); err != nil {
		return nil, err
	}
	if err := decodeEach(c.Tags, "tag", func(t tag, _ json.RawMessage) { addTag(id, t, b) }); err != nil {
		return nil, err
	}
	return normalizeCRM(id, c.CRMScenarioConversations)
}

// decodeEach decodes each of raws as a T and hands it to add with its raw
// form. One that cannot be decoded fails the whole, named by what.
func decodeEach[T any](raws []json.RawMessage, what string, add func(T, json.RawMessage)) error {
	for _, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode %s: %w", what, err)
		}
		add(v, raw)
	}
	return nil
}

// addAssignee adds one assignee of the conversation, the last one added to
// b, as a user, a participant (role assignee) and one of its assignee ids.
func addAssignee(conversationID string, m member, raw json.RawMessage, b *record.Batch) {
	if m.User != nil && m.ID == "" {
		m.ID, m.Name, m.Email = m.User.ID, m.User.Name, m.User.Email
	}
	if m.ID == "" {
		return
	}
	b.Users = append(b.Users, record.User{
		ID: string(m.ID), Type: userTypeMember, DisplayName: string(m.Name), FullName: string(m.Name),
		Email: string(m.Email), Raw: raw,
	})
	b.Participants = append(b.Participants, record.Participant{ConversationID: conversationID, UserID: string(m.ID), Role: record.RoleAssignee})
	conv := &b.Conversations[len(b.Conversations)-1] // the history tracks who it is assigned to
	conv.AssigneeIDs = append(conv.AssigneeIDs, string(m.ID))
}

// addContact adds one contact of the conversation as a user and a
// participant (role member), named by full name, else email, else phone.
func addContact(conversationID string, ct contact, raw json.RawMessage, b *record.Batch) {
	if ct.ID == "" {
		return
	}
	full := strings.TrimSpace(string(ct.FirstName) + " " + string(ct.LastName))
	display := cmp.Or(full, string(ct.Email), string(ct.PhoneNumber))
	b.Users = append(b.Users, record.User{
		ID: string(ct.ID), Type: userTypeContact, DisplayName: display, FullName: full,
		Email: string(ct.Email), Raw: raw,
	})
	b.Participants = append(b.Participants, record.Participant{ConversationID: conversationID, UserID: string(ct.ID), Role: record.RoleMember})
}

// addTag adds one tag of the conversation, by name, else by id.
func addTag(conversationID string, t tag, b *record.Batch) {
	if name := cmp.Or(string(t.Name), string(t.ID)); name != "" {
		b.Tags = append(b.Tags, record.Tag{ConversationID: conversationID, Tag: name})
	}
}

// normalizeCRM turns a conversation's crmScenarioConversations into links. A
// link without a scenario id cannot be keyed and is skipped (raw keeps it); a
// link that cannot be decoded fails the conversation.
func normalizeCRM(conversationID string, raws []json.RawMessage) ([]record.CRMScenarioLink, error) {
	var links []record.CRMScenarioLink
	err := decodeEach(raws, "CRM scenario link", func(l crmScenarioConversation, raw json.RawMessage) {
		if link := crmLink(conversationID, l, raw); link.ScenarioID != "" {
			links = append(links, link)
		}
	})
	if err != nil {
		return nil, err
	}
	return links, nil
}

// crmLink is one CRM scenario link; the ids fall back to the nested
// scenario's and step's.
func crmLink(conversationID string, l crmScenarioConversation, raw json.RawMessage) record.CRMScenarioLink {
	link := record.CRMScenarioLink{
		ConversationID: conversationID,
		ScenarioID:     string(l.ScenarioID),
		StepID:         string(l.StepID),
		Available:      l.Available,
		CreatedAt:      l.CreatedAt.Time,
		UpdatedAt:      l.UpdatedAt.Time,
		Raw:            raw,
	}
	if s := l.Scenario; s != nil {
		link.ScenarioName = string(s.Name)
		if link.ScenarioID == "" {
			link.ScenarioID = string(s.ID)
		}
	}
	if s := l.Step; s != nil {
		link.StepName = string(s.Name)
		if link.StepID == "" {
			link.StepID = string(s.ID)
		}
	}
	return link
}

// normalizeMessage turns one message into a record. Chatvolt messages are
// always visible to the customer. The body is the text (the HTML rendering, when
// there is one, stays in raw); a message with neither text nor HTML has a nil
// body.
func normalizeMessage(conversationID string, raw json.RawMessage, b *record.Batch) error {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decode message: %w", err)
	}
	if m.ID == "" {
		return errors.New("message has no id")
	}
	if conversationID == "" {
		conversationID = string(m.ConversationID)
	}
	msg := record.Message{
		ID:             string(m.ID),
		ConversationID: conversationID,
		Visibility:     record.VisibilityPublic,
		CreatedAt:      m.CreatedAt.Time,
		ModifiedAt:     m.UpdatedAt.Time,
		Raw:            raw,
	}
	switch {
	case m.Text != nil:
		msg.Body, msg.BodyType = m.Text, "text"
	case m.HTML != nil:
		msg.Body, msg.BodyType = m.HTML, "html"
	}
	msg.AuthorType, msg.AuthorID = author(m)
	b.Messages = append(b.Messages, msg)
	return nil
}

// author tells who wrote a message. Chatvolt's "agent" is the AI agent unless
// an operator (a user) answered in its place; "human" is the customer, known
// as a contact, a website visitor or (on the dashboard channel) a user.
func author(m message) (typ, id string) {
	switch strings.ToLower(string(m.From)) {
	case fromAgent:
		if m.UserID != "" {
			return record.AuthorAgent, string(m.UserID)
		}
		return record.AuthorBot, string(m.AgentID)
	case fromHuman:
		return record.AuthorContact, firstOf(m.ContactID, m.VisitorID, m.UserID)
	}
	return "", firstOf(m.UserID, m.AgentID, m.ContactID, m.VisitorID)
}

func firstOf(values ...flexString) string {
	for _, v := range values {
		if v != "" {
			return string(v)
		}
	}
	return ""
}

// normalStatus maps Chatvolt's statuses onto the normalized ones: a
// conversation the AI handles is open, one waiting for a human operator is
// pending. An unknown status maps to no status rather than a wrong one;
// native_status always keeps it.
func normalStatus(native string) string {
	switch strings.ToUpper(native) {
	case statusResolved:
		return record.StatusResolved
	case statusUnresolved:
		return record.StatusOpen
	case statusHumanRequested:
		return record.StatusPending
	}
	return ""
}

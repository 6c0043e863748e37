package devrev

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// addConversation normalizes one conversation into page, whole or not at
// all (see fetcher.AddConversation).
func addConversation(raw json.RawMessage, page *fetcher.ConversationPage) {
	fetcher.AddConversation(page, raw, normalizeConversation)
}

// addEntry normalizes one timeline entry into b, whole or not at all.
func addEntry(conversationID string, raw json.RawMessage, b *record.Batch) {
	fetcher.AddMessage(b, conversationID, raw, normalizeEntry)
}

// normalizeConversation turns one conversation into records, adding them to
// page. Its participants, tags and (when complete) SLA replace the mirror's.
func normalizeConversation(raw json.RawMessage, page *fetcher.ConversationPage) error {
	var c conversation
	if err := unmarshal(raw, &c); err != nil {
		return fmt.Errorf("decode conversation: %w", err)
	}
	if c.ID == "" {
		return errors.New("conversation has no id")
	}
	b := &page.Batch
	native := ""
	if c.Stage != nil {
		native = c.Stage.Name
	}
	b.Conversations = append(b.Conversations, record.Conversation{
		ID:           c.ID,
		DisplayID:    c.DisplayID,
		Title:        c.Title,
		Description:  c.Description,
		Status:       statusFromStage(native),
		NativeStatus: native,
		Priority:     strings.ToLower(string(c.Priority)),
		Channel:      c.SourceChannel,
		CreatedAt:    c.CreatedDate.Time,
		ModifiedAt:   c.ModifiedDate.Time,
		AssigneeIDs:  ownerIDs(c.OwnedBy),
		SLAStage:     slaStage(c.SLASummary),
		Raw:          raw,
	})

	addUser(b, c.CreatedBy)
	addUser(b, c.ModifiedBy)
	b.ParticipantsOf = append(b.ParticipantsOf, c.ID)
	for i := range c.Members {
		if addUser(b, &c.Members[i]) {
			b.Participants = append(b.Participants, record.Participant{ConversationID: c.ID, UserID: c.Members[i].ID, Role: record.RoleMember})
		}
	}
	for i := range c.OwnedBy {
		if addUser(b, &c.OwnedBy[i]) {
			b.Participants = append(b.Participants, record.Participant{ConversationID: c.ID, UserID: c.OwnedBy[i].ID, Role: record.RoleOwner})
		}
	}
	for _, t := range c.Tags {
		name := t.Tag.Name
		if name == "" {
			name = t.Tag.ID
		}
		if name != "" {
			b.Tags = append(b.Tags, record.Tag{ConversationID: c.ID, Tag: name, Value: t.Value})
		}
	}
	for _, ch := range c.Channels {
		if ch.ID != "" {
			page.ChatIDs = append(page.ChatIDs, ch.ID)
		}
	}
	return normalizeConversationSLA(c, page)
}

// normalizeConversationSLA writes the SLA a conversation carries. When the
// summary embeds the full tracker, its metrics are complete here; when only a
// tracker reference is given, the tracker is fetched on its own; with neither,
// the conversation has no SLA (any mirrored one is soft-deleted).
func normalizeConversationSLA(c conversation, page *fetcher.ConversationPage) error {
	b := &page.Batch
	var summary *record.SLASummary
	if s := c.SLASummary; s != nil {
		summary = &record.SLASummary{
			ConversationID:        c.ID,
			Stage:                 s.Stage,
			TargetTime:            s.TargetTime.Time,
			ClosestToBreachMetric: s.ClosestToBreachMetric,
		}
		raw, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("encode SLA summary: %w", err)
		}
		summary.Raw = raw
		if s.SLATracker != nil && s.SLATracker.MetricTargetSummaries != nil {
			metrics, err := trackerRecords(c.ID, s.SLATracker, summary)
			if err != nil {
				return err
			}
			b.SLAOf = append(b.SLAOf, c.ID)
			b.SLASummaries = append(b.SLASummaries, *summary)
			b.SLAMetrics = append(b.SLAMetrics, metrics...)
			return nil
		}
	}
	trackerID := ""
	if c.SLASummary != nil && c.SLASummary.SLATracker != nil {
		trackerID = c.SLASummary.SLATracker.ID
	}
	if trackerID == "" && c.SLATracker != nil {
		trackerID = c.SLATracker.ID
	}
	if trackerID != "" {
		page.SLATrackers = append(page.SLATrackers, fetcher.SLATrackerRef{ConversationID: c.ID, TrackerID: trackerID, Summary: summary})
		return nil
	}
	b.SLAOf = append(b.SLAOf, c.ID)
	if summary != nil {
		b.SLASummaries = append(b.SLASummaries, *summary)
	}
	return nil
}

// trackerRecords turns a tracker's metric targets into SLA metric records and
// completes summary with the tracker's SLA name.
func trackerRecords(conversationID string, t *slaTracker, summary *record.SLASummary) ([]record.SLAMetric, error) {
	if t.SLA != nil {
		summary.SLAName = t.SLA.Name
	}
	if summary.Stage == "" {
		summary.Stage = t.Stage
	}
	metrics := make([]record.SLAMetric, 0, len(t.MetricTargetSummaries))
	for _, raw := range t.MetricTargetSummaries {
		var m metricTarget
		if err := unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("decode SLA metric: %w", err)
		}
		name := m.MetricDefinition.Name
		if name == "" {
			name = m.MetricDefinition.ID
		}
		if name == "" {
			return nil, errors.New("SLA metric has no metric definition")
		}
		metrics = append(metrics, record.SLAMetric{
			ConversationID:     conversationID,
			Metric:             name,
			Status:             m.Status,
			Stage:              m.Stage,
			TargetTime:         m.TargetTime.Time,
			WarningTargetTime:  m.WarningTargetTime.Time,
			BreachedAt:         m.BreachedAt.Time,
			CompletedAt:        m.CompletedAt.Time,
			CompletedInMinutes: m.CompletedIn.Ptr(),
			InPolicy:           m.InPolicy,
			Raw:                json.RawMessage(raw),
		})
	}
	return metrics, nil
}

// normalizeTracker turns a fetched SLA tracker into a complete SLA batch.
func normalizeTracker(ref fetcher.SLATrackerRef, raw json.RawMessage) (*record.Batch, error) {
	var t slaTracker
	if err := unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("decode SLA tracker: %w", err)
	}
	summary := record.SLASummary{ConversationID: ref.ConversationID, Raw: raw}
	if ref.Summary != nil {
		summary = *ref.Summary
		summary.Raw = raw
	}
	metrics, err := trackerRecords(ref.ConversationID, &t, &summary)
	if err != nil {
		return nil, err
	}
	return &record.Batch{
		SLAOf:        []string{ref.ConversationID},
		SLASummaries: []record.SLASummary{summary},
		SLAMetrics:   metrics,
	}, nil
}

// otherEntry reports whether raw is an entry of a type syncer does not read
// (neither a comment nor a change event), with its id.
func otherEntry(raw json.RawMessage) (string, bool) {
	var head struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if unmarshal(raw, &head) != nil {
		return "", false
	}
	return head.ID, head.Type != "" && head.Type != "timeline_comment" && head.Type != "timeline_change_event"
}

// normalizeEntry turns a timeline entry into a message when it is a comment,
// and into the record of a change when it is a change event of a tracked
// field (see normalizeChange). Other entry types (types this version does
// not know) hold no record; every entry but a comment read cleanly is named
// in EntriesRead, so that an earlier copy in quarantine leaves it.
func normalizeEntry(conversationID string, raw json.RawMessage, b *record.Batch) error {
	var e timelineEntry
	if err := unmarshal(raw, &e); err != nil {
		if id, ok := otherEntry(raw); ok {
			// A type syncer does not read may use the fields of the
			// types it reads in shapes of its own.
			if id != "" {
				b.EntriesRead = append(b.EntriesRead, id)
			}
			return nil
		}
		return fmt.Errorf("decode timeline entry: %w", err)
	}
	if e.Type != "timeline_comment" {
		if e.Type == "timeline_change_event" {
			if err := normalizeChange(conversationID, &e, b); err != nil {
				return err
			}
		}
		// Read cleanly: an earlier copy in quarantine leaves it.
		if e.ID != "" {
			b.EntriesRead = append(b.EntriesRead, e.ID)
		}
		return nil
	}
	if e.ID == "" {
		return errors.New("timeline comment has no id")
	}
	msg := record.Message{
		ID:             e.ID,
		ConversationID: conversationID,
		Body:           e.body(),
		BodyType:       e.BodyType,
		Visibility:     visibility(e.Visibility),
		CreatedAt:      e.CreatedDate.Time,
		ModifiedAt:     e.ModifiedDate.Time,
		Raw:            raw,
	}
	if addUser(b, e.CreatedBy) {
		msg.AuthorID = e.CreatedBy.ID
		msg.AuthorType = authorType(e.CreatedBy.Type)
	}
	b.Messages = append(b.Messages, msg)
	for _, a := range e.Artifacts {
		if a.ID == "" {
			continue
		}
		att := record.Attachment{ID: a.ID, MessageID: e.ID}
		if a.File != nil {
			att.Name = a.File.Name
			att.ContentType = a.File.Type
			att.Size = a.File.Size.Ptr()
		}
		rawAtt, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode attachment: %w", err)
		}
		att.Raw = rawAtt
		b.Attachments = append(b.Attachments, att)
	}
	return nil
}

// normalizeChat turns a chat into records; its members are complete.
func normalizeChat(raw json.RawMessage) (*record.Batch, error) {
	var c chat
	if err := unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode chat: %w", err)
	}
	if c.ID == "" {
		return nil, errors.New("chat has no id")
	}
	b := &record.Batch{
		Chats: []record.Chat{{
			ID: c.ID, Type: c.Type, Title: c.Title,
			CreatedAt: c.CreatedDate.Time, ModifiedAt: c.ModifiedDate.Time, Raw: raw,
		}},
		MembersOf: []string{c.ID},
	}
	for i := range c.Users {
		if addUser(b, &c.Users[i]) {
			b.ChatMembers = append(b.ChatMembers, record.ChatMember{ChatID: c.ID, UserID: c.Users[i].ID})
		}
	}
	return b, nil
}

// ownerIDs are the ids of a conversation's owners, its assignees.
func ownerIDs(owners []userSummary) []string {
	var ids []string
	for _, o := range owners {
		if o.ID != "" {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// slaStage is the stage of a conversation's SLA as a whole; empty without.
func slaStage(s *slaSummary) string {
	if s == nil {
		return ""
	}
	return s.Stage
}

// addUser records a user summary; it reports whether there was a user.
func addUser(b *record.Batch, u *userSummary) bool {
	if u == nil || u.ID == "" {
		return false
	}
	raw, err := json.Marshal(u)
	if err != nil {
		raw = json.RawMessage(`{}`)
	}
	b.Users = append(b.Users, record.User{
		ID: u.ID, Type: u.Type, DisplayName: u.DisplayName, FullName: u.FullName,
		Email: u.Email, State: u.State, Raw: raw,
	})
	return true
}

// statusFromStage maps DevRev's conversation stages onto the normalized
// statuses. Stages are configurable per org, so an unknown stage maps to no
// status rather than a wrong one; native_status always keeps it.
func statusFromStage(stage string) string {
	switch strings.ToLower(stage) {
	case "new", "open", "active", "in_progress", "escalated", "awaiting_product_assist", "awaiting_development":
		return record.StatusOpen
	case "waiting_on_user", "awaiting_customer_response", "awaiting_user", "pending":
		return record.StatusPending
	case "suspended", "snoozed", "on_hold":
		return record.StatusSnoozed
	case "resolved", "solved":
		return record.StatusResolved
	case "archived", "closed", "canceled", "cancelled", "spam":
		return record.StatusClosed
	}
	return ""
}

// visibility maps DevRev's entry visibility; unset means external, which
// customers see.
func visibility(v string) string {
	switch strings.ToLower(v) {
	case "", "external", "public":
		return record.VisibilityPublic
	case "private":
		return record.VisibilityPrivate
	default:
		// internal, or a value DevRev adds: kept from customers rather
		// than shown to them.
		return record.VisibilityInternal
	}
}

func authorType(userType string) string {
	switch userType {
	case "dev_user":
		return record.AuthorAgent
	case "rev_user":
		return record.AuthorContact
	case "service_account":
		return record.AuthorBot
	case "sys_user":
		return record.AuthorSystem
	}
	return ""
}

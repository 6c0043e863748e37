package chatwoot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// addConversation normalizes one conversation into page, whole or not at all.
func addConversation(raw json.RawMessage, page *fetcher.ConversationPage) {
	fetcher.AddConversation(page, raw, normalizeConversation)
}

// addMessage normalizes one message into b, whole or not at all.
func addMessage(conversationID string, raw json.RawMessage, b *record.Batch) {
	fetcher.AddMessage(b, conversationID, raw, normalizeMessage)
}

func normalizeConversation(raw json.RawMessage, page *fetcher.ConversationPage) error {
	var c conversation
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("decode conversation: %w", err)
	}
	if c.ID <= 0 {
		return errors.New("conversation has no id")
	}
	id := c.ID.String()
	conv := record.Conversation{
		ID:           id,
		DisplayID:    "#" + id,
		Status:       status(c.Status),
		NativeStatus: c.Status,
		CreatedAt:    c.CreatedAt.Time,
		ModifiedAt:   c.UpdatedAt.Time,
		Raw:          raw,
	}
	if c.Priority != nil {
		conv.Priority = *c.Priority
	}
	b := &page.Batch
	contact := c.Contact
	if c.Meta != nil {
		conv.Channel = channel(c.Meta.Channel)
		if c.Meta.Sender != nil {
			contact = c.Meta.Sender
		}
	}
	if c.Meta != nil {
		if assignee := personID(c.Meta.Assignee, c.Meta.assigneeKind()); assignee != "" {
			conv.AssigneeIDs = []string{assignee}
		}
	}
	if c.AppliedSLA != nil {
		conv.SLAStage = c.AppliedSLA.SLAStatus
	}
	b.Conversations = append(b.Conversations, conv)

	b.ParticipantsOf = append(b.ParticipantsOf, id)
	if userID := addPerson(b, contact, "contact"); userID != "" {
		b.Participants = append(b.Participants, record.Participant{ConversationID: id, UserID: userID, Role: record.RoleMember})
	}
	if c.Meta != nil {
		if userID := addPerson(b, c.Meta.Assignee, c.Meta.assigneeKind()); userID != "" {
			b.Participants = append(b.Participants, record.Participant{ConversationID: id, UserID: userID, Role: record.RoleAssignee})
		}
	}
	for _, label := range c.Labels {
		if label != "" {
			b.Tags = append(b.Tags, record.Tag{ConversationID: id, Tag: label})
		}
	}
	return normalizeSLA(id, c, b)
}

// slaMetrics names Chatwoot's SLA thresholds and the event types that report
// their misses.
var slaMetrics = []struct{ eventType, name string }{ //nolint:gochecknoglobals // constant table
	{"frt", "first_response_time"},
	{"nrt", "next_response_time"},
	{"rt", "resolution_time"},
}

// normalizeSLA maps applied_sla and sla_events (Enterprise only) onto the SLA
// tables: the summary holds the policy and its status, and each threshold
// the policy sets is a metric, settled as Chatwoot settles it (settleMetric).
// Without applied_sla the conversation has no SLA.
func normalizeSLA(id string, c conversation, b *record.Batch) error {
	b.SLAOf = append(b.SLAOf, id)
	if c.AppliedSLA == nil {
		return nil
	}
	sla := c.AppliedSLA
	raw, err := json.Marshal(struct {
		AppliedSLA json.RawMessage `json:"applied_sla"`
		SLAEvents  json.RawMessage `json:"sla_events,omitempty"`
	}{sla.Raw, c.SLAEvents.Raw})
	if err != nil {
		return fmt.Errorf("encode SLA: %w", err)
	}
	b.SLASummaries = append(b.SLASummaries, record.SLASummary{ConversationID: id, Stage: sla.SLAStatus, SLAName: sla.SLAName, Raw: raw})
	thresholds := map[string]*fetcher.Int{"frt": sla.FirstResponseTime, "nrt": sla.NextResponseTime, "rt": sla.ResolutionTime}
	for _, m := range slaMetrics {
		threshold := thresholds[m.eventType]
		firstMiss, missed := c.SLAEvents.firstOf(m.eventType)
		if threshold == nil && !missed {
			continue // the policy does not set this metric
		}
		inPolicy := true
		metric := record.SLAMetric{ConversationID: id, Metric: m.name, Status: "active", InPolicy: &inPolicy, Raw: raw}
		if threshold != nil && m.eventType != "nrt" && !c.CreatedAt.IsZero() {
			metric.TargetTime = c.CreatedAt.Add(time.Duration(*threshold) * time.Second)
		}
		if missed {
			metric.Status, metric.Stage, metric.BreachedAt = "missed", "breached", firstMiss
		} else {
			settleMetric(&metric, m.eventType, c)
		}
		b.SLAMetrics = append(b.SLAMetrics, metric)
	}
	return nil
}

// firstOf returns the time of the earliest event of a type (zero when the
// events give none) and whether there is one: a miss of that metric.
func (e slaEvents) firstOf(eventType string) (first time.Time, found bool) {
	for _, ev := range e.List {
		if ev.EventType != eventType {
			continue
		}
		if !found || ev.CreatedAt.Before(first) {
			first = ev.CreatedAt.Time
		}
		found = true
	}
	return first, found
}

// settleMetric settles a metric without a miss as Chatwoot does
// (Sla::EvaluateAppliedSlaService), which records an event only when a
// target is missed: a first reply at or before its target meets the first
// response at once, and an SLA settled (hit, or missed by another metric,
// once the conversation is resolved) has met every metric without an event.
// Otherwise the metric is still running. A metric met by the settlement is
// completed when the settlement says (its updated_at) only if it has no
// target to be dated by: the next response; a first response met by no reply
// (the conversation resolved first) has no reply time to show.
func settleMetric(m *record.SLAMetric, eventType string, c conversation) {
	reply := c.FirstReplyCreatedAt.Time
	settled := c.AppliedSLA.SLAStatus == "hit" || c.AppliedSLA.SLAStatus == "missed"
	switch {
	case eventType == "frt" && !reply.IsZero() && (m.TargetTime.IsZero() || !reply.After(m.TargetTime)):
		m.Status, m.Stage, m.CompletedAt = "hit", "completed", reply
	case settled:
		m.Status, m.Stage = "hit", "completed"
		if m.TargetTime.IsZero() {
			m.CompletedAt = c.AppliedSLA.UpdatedAt.Time
		}
	}
}

func normalizeMessage(conversationID string, raw json.RawMessage, b *record.Batch) error {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decode message: %w", err)
	}
	if m.ID <= 0 {
		return errors.New("message has no id")
	}
	if m.MessageType == nil {
		return errors.New("message has no message_type")
	}
	msg := record.Message{
		ID:             m.ID.String(),
		ConversationID: conversationID,
		Body:           m.Content,
		BodyType:       m.ContentType,
		Visibility:     record.VisibilityPublic,
		CreatedAt:      m.CreatedAt.Time,
		Raw:            raw,
	}
	switch {
	case m.Private:
		msg.Visibility = record.VisibilityPrivate
	case int(*m.MessageType) == messageActivity:
		msg.Visibility = record.VisibilityInternal
	}
	switch {
	case deleted(m.ContentAttributes):
		// Chatwoot keeps a deleted message's row with a placeholder text.
		msg.Body = nil
	case m.Content == nil:
		// An attachment-only message (a photo without a caption): its body
		// is no text, not a deleted one, which the views leave out.
		msg.Body = new(string)
	}
	if int(*m.MessageType) == messageActivity && m.Content != nil && !deleted(m.ContentAttributes) {
		addStatusChange(conversationID, *m.Content, m.CreatedAt.Time, b)
	}
	msg.AuthorType = authorType(int(*m.MessageType), m.Sender)
	if m.Sender != nil {
		msg.AuthorID = addPerson(b, m.Sender, "")
	}
	b.Messages = append(b.Messages, msg)
	for _, a := range m.Attachments {
		if a.ID <= 0 {
			continue
		}
		rawAtt, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode attachment: %w", err)
		}
		b.Attachments = append(b.Attachments, record.Attachment{
			ID: a.ID.String(), MessageID: msg.ID, Name: fileName(a.DataURL), ContentType: a.FileType,
			Size: a.FileSize.Ptr(), Raw: rawAtt,
		})
	}
	return nil
}

// addPerson records a contact, agent or bot as a user and returns its id.
// Chatwoot numbers contacts, agents and bots separately, so the id carries
// the kind: contact:12, agent:3, bot:1. fallbackType applies when the
// payload does not say.
func addPerson(b *record.Batch, p *person, fallbackType string) string {
	id := personID(p, fallbackType)
	if id == "" {
		return ""
	}
	raw, err := json.Marshal(p)
	if err != nil {
		raw = json.RawMessage(`{}`)
	}
	u := record.User{ID: id, Type: personType(p, fallbackType), DisplayName: p.Name, FullName: p.Name, State: p.AvailabilityStatus, Raw: raw}
	if p.AvailableName != "" {
		u.DisplayName = p.AvailableName
	}
	if p.Email != nil {
		u.Email = *p.Email
	}
	b.Users = append(b.Users, u)
	return u.ID
}

// personID is the user id of a contact, agent or bot (see addPerson); empty
// when there is none.
func personID(p *person, fallbackType string) string {
	if p == nil || p.ID <= 0 {
		return ""
	}
	return personType(p, fallbackType) + ":" + p.ID.String()
}

// personType is the users.type of a person, which prefixes its id.
func personType(p *person, fallbackType string) string {
	kind := p.Type
	if kind == "" {
		kind = fallbackType
	}
	switch kind {
	case "user", "agent":
		return "agent"
	case "agent_bot", "bot":
		return "bot"
	}
	return kind
}

func authorType(messageType int, sender *person) string {
	switch messageType {
	case messageIncoming:
		return record.AuthorContact
	case messageActivity:
		return record.AuthorSystem
	case messageTemplate:
		return record.AuthorBot
	}
	// An outgoing message is an agent's only when an agent (a User) sent
	// it, as Chatwoot's own first reply time counts (human_response?): one
	// without a sender is an automation rule's or a campaign's, and an
	// agent bot's or a Captain assistant's is a bot's.
	if sender != nil && (sender.Type == "" || sender.Type == "user" || sender.Type == "agent") {
		return record.AuthorAgent
	}
	return record.AuthorBot
}

func status(s string) string {
	switch s {
	case "open":
		return record.StatusOpen
	case "pending":
		return record.StatusPending
	case "snoozed":
		return record.StatusSnoozed
	case "resolved":
		return record.StatusResolved
	}
	return ""
}

// channel turns "Channel::WebWidget" into "web_widget".
func channel(s string) string {
	s = strings.TrimPrefix(s, "Channel::")
	var out strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				out.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		out.WriteRune(r)
	}
	return out.String()
}

func deleted(attrs json.RawMessage) bool {
	var a struct {
		Deleted bool `json:"deleted"`
	}
	return json.Unmarshal(attrs, &a) == nil && a.Deleted
}

// fileName is the last segment of an attachment URL's path, unescaped.
func fileName(dataURL string) string {
	if u, err := url.Parse(dataURL); err == nil && u.Path != "" {
		return path.Base(u.Path) // unescaped: "Capture d’écran.png", not "Capture%20d%E2%80%99%C3%A9cran.png"
	}
	if i := strings.LastIndexByte(dataURL, '/'); i >= 0 {
		dataURL = dataURL[i+1:]
	}
	if i := strings.IndexByte(dataURL, '?'); i >= 0 {
		dataURL = dataURL[:i]
	}
	return dataURL
}

package chatwoottest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Wire structs follow Chatwoot's jbuilder views (the swagger schemas list the
// fields but not which are null, absent or of which JSON type). Field order
// follows the views. Builders run under the workspace read lock and copy what
// they need, so that marshalling can happen after the lock is released; the
// prebuilt sender objects and raw JSON values they share are never mutated.

// wireContactFields are what Contact#push_event_data and
// Contact#webhook_data both render.
type wireContactFields struct {
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
	CustomAttributes     json.RawMessage `json:"custom_attributes"`
	Email                *string         `json:"email"`
	ID                   int             `json:"id"`
	Identifier           *string         `json:"identifier"`
	Name                 string          `json:"name"`
	PhoneNumber          *string         `json:"phone_number"`
	Thumbnail            string          `json:"thumbnail"`
}

// wireContactSender is Contact#push_event_data: a message's sender.
type wireContactSender struct {
	wireContactFields
	Blocked bool   `json:"blocked"`
	Type    string `json:"type"`
}

// wireUserSender is User#push_event_data.
type wireUserSender struct {
	ID                 int    `json:"id"`
	Name               string `json:"name"`
	AvailableName      string `json:"available_name"`
	AvatarURL          string `json:"avatar_url"`
	Type               string `json:"type"`
	AvailabilityStatus string `json:"availability_status"`
	Thumbnail          string `json:"thumbnail"`
}

// wireBotSender is AgentBot#push_event_data.
type wireBotSender struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url"`
	Type      string `json:"type"`
}

// wireContact is api/v1/models/_contact: the conversation's meta.sender (with
// type), the messages meta.contact, and a contacts list item (with
// contact_inboxes).
type wireContact struct {
	AdditionalAttributes json.RawMessage    `json:"additional_attributes"`
	AvailabilityStatus   string             `json:"availability_status"`
	Email                *string            `json:"email"`
	ID                   int                `json:"id"`
	Name                 string             `json:"name"`
	PhoneNumber          *string            `json:"phone_number"`
	Blocked              bool               `json:"blocked"`
	Identifier           *string            `json:"identifier"`
	Thumbnail            string             `json:"thumbnail"`
	CustomAttributes     json.RawMessage    `json:"custom_attributes"`
	LastActivityAt       int64              `json:"last_activity_at"`
	CreatedAt            int64              `json:"created_at"`
	Type                 string             `json:"type,omitempty"`
	ContactInboxes       []wireContactInbox `json:"contact_inboxes,omitempty"`
}

type wireContactInbox struct {
	SourceID string         `json:"source_id"`
	Inbox    wireInboxBrief `json:"inbox"`
}

type wireInboxBrief struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	ChannelType string  `json:"channel_type"`
	ChannelID   int     `json:"channel_id"`
	AvatarURL   string  `json:"avatar_url"`
	Provider    *string `json:"provider"`
}

// wireAgent is api/v1/models/_agent: an agents list item, and with type
// "user" the conversation's meta.assignee.
type wireAgent struct {
	ID                 int             `json:"id"`
	AccountID          int             `json:"account_id"`
	AvailabilityStatus string          `json:"availability_status"`
	AutoOffline        bool            `json:"auto_offline"`
	Confirmed          bool            `json:"confirmed"`
	Email              string          `json:"email"`
	Provider           string          `json:"provider"`
	AvailableName      string          `json:"available_name"`
	Name               string          `json:"name"`
	Role               string          `json:"role"`
	Thumbnail          string          `json:"thumbnail"`
	CustomRoleID       json.RawMessage `json:"custom_role_id,omitempty"` // Enterprise only: null
	Type               string          `json:"type,omitempty"`
}

type wireTeam struct {
	ID              int    `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AllowAutoAssign bool   `json:"allow_auto_assign"`
	AccountID       int    `json:"account_id"`
	IsMember        bool   `json:"is_member"`
}

type wireConversationMeta struct {
	Sender       wireContact `json:"sender"`
	Channel      string      `json:"channel"`
	Assignee     *wireAgent  `json:"assignee,omitempty"`
	Team         *wireTeam   `json:"team,omitempty"`
	HmacVerified bool        `json:"hmac_verified"`
}

// wireConversation is api/v1/conversations/partials/_conversation.
type wireConversation struct {
	Meta                   wireConversationMeta `json:"meta"`
	ID                     int                  `json:"id"`
	Messages               []wirePushMessage    `json:"messages"`
	AccountID              int                  `json:"account_id"`
	UUID                   string               `json:"uuid"`
	AdditionalAttributes   json.RawMessage      `json:"additional_attributes"`
	AgentLastSeenAt        int64                `json:"agent_last_seen_at"`
	AssigneeLastSeenAt     int64                `json:"assignee_last_seen_at"`
	CanReply               bool                 `json:"can_reply"`
	ContactLastSeenAt      int64                `json:"contact_last_seen_at"`
	CustomAttributes       json.RawMessage      `json:"custom_attributes"`
	InboxID                int                  `json:"inbox_id"`
	Labels                 []string             `json:"labels"`
	Muted                  bool                 `json:"muted"`
	SnoozedUntil           *string              `json:"snoozed_until"` // an ISO string, not a number
	Status                 string               `json:"status"`
	CreatedAt              int64                `json:"created_at"`
	UpdatedAt              json.Number          `json:"updated_at"` // float seconds
	Timestamp              int64                `json:"timestamp"`
	FirstReplyCreatedAt    int64                `json:"first_reply_created_at"`
	UnreadCount            int                  `json:"unread_count"`
	LastNonActivityMessage *wirePushMessage     `json:"last_non_activity_message"`
	LastActivityAt         int64                `json:"last_activity_at"`
	Priority               *string              `json:"priority"`
	WaitingSince           int64                `json:"waiting_since"`
	SLAPolicyID            *int                 `json:"sla_policy_id"`

	// Enterprise only; absent otherwise. applied_sla is null (and sla_events
	// empty) for conversations without an SLA.
	AppliedSLA any `json:"applied_sla,omitempty"`
	SLAEvents  any `json:"sla_events,omitempty"`

	// Undocumented fields some payloads carry; clients must ignore them.
	CaptainState       string          `json:"captain_state,omitempty"`
	CSATSurveyResponse json.RawMessage `json:"csat_survey_response,omitempty"`
}

type wireAppliedSLA struct {
	ID                            int             `json:"id"`
	SLAID                         int             `json:"sla_id"`
	SLAStatus                     string          `json:"sla_status"`
	CreatedAt                     int64           `json:"created_at"`
	UpdatedAt                     int64           `json:"updated_at"`
	SLADescription                string          `json:"sla_description"`
	SLAName                       string          `json:"sla_name"`
	SLAFirstResponseTimeThreshold json.RawMessage `json:"sla_first_response_time_threshold"`
	SLANextResponseTimeThreshold  json.RawMessage `json:"sla_next_response_time_threshold"`
	SLAOnlyDuringBusinessHours    bool            `json:"sla_only_during_business_hours"`
	SLAResolutionTimeThreshold    json.RawMessage `json:"sla_resolution_time_threshold"`
}

type wireSLAEvent struct {
	ID        int             `json:"id"`
	EventType string          `json:"event_type"`
	Meta      json.RawMessage `json:"meta"`
	CreatedAt int64           `json:"created_at"`
	UpdatedAt int64           `json:"updated_at"`
}

// wireMessage is api/v1/models/_message: a messages list item.
type wireMessage struct {
	ID                int              `json:"id"`
	Content           *string          `json:"content"`
	InboxID           int              `json:"inbox_id"`
	ConversationID    int              `json:"conversation_id"`
	MessageType       int              `json:"message_type"`
	ContentType       string           `json:"content_type"`
	Status            string           `json:"status"`
	ContentAttributes json.RawMessage  `json:"content_attributes"`
	CreatedAt         int64            `json:"created_at"`
	Private           bool             `json:"private"`
	SourceID          *string          `json:"source_id"`
	Sender            any              `json:"sender,omitempty"`
	Attachments       []wireAttachment `json:"attachments,omitempty"`
}

// wirePushMessage is Message#push_event_data: the message a conversation
// embeds. Unlike a messages list item it carries the model's raw attributes,
// among them updated_at as an ISO string.
type wirePushMessage struct {
	ID                      int              `json:"id"`
	Content                 *string          `json:"content"`
	AccountID               int              `json:"account_id"`
	InboxID                 int              `json:"inbox_id"`
	ConversationID          int              `json:"conversation_id"`
	MessageType             int              `json:"message_type"`
	CreatedAt               int64            `json:"created_at"`
	UpdatedAt               string           `json:"updated_at"`
	Private                 bool             `json:"private"`
	Status                  string           `json:"status"`
	SourceID                *string          `json:"source_id"`
	ContentType             string           `json:"content_type"`
	ContentAttributes       json.RawMessage  `json:"content_attributes"`
	SenderType              *string          `json:"sender_type"`
	SenderID                *int             `json:"sender_id"`
	ExternalSourceIDs       json.RawMessage  `json:"external_source_ids"`
	AdditionalAttributes    json.RawMessage  `json:"additional_attributes"`
	ProcessedMessageContent *string          `json:"processed_message_content"`
	Sentiment               json.RawMessage  `json:"sentiment"`
	Conversation            wirePushConv     `json:"conversation"`
	Attachments             []wireAttachment `json:"attachments,omitempty"`
	Sender                  any              `json:"sender,omitempty"`
}

type wirePushConv struct {
	AssigneeID     *int         `json:"assignee_id"`
	UnreadCount    int          `json:"unread_count"`
	LastActivityAt int64        `json:"last_activity_at"`
	ContactInbox   wireSourceID `json:"contact_inbox"`
}

type wireSourceID struct {
	SourceID string `json:"source_id"`
}

// wireAttachment is Attachment#push_event_data.
type wireAttachment struct {
	ID        int     `json:"id"`
	MessageID int     `json:"message_id"`
	FileType  string  `json:"file_type"`
	AccountID int     `json:"account_id"`
	Extension *string `json:"extension"`
	DataURL   string  `json:"data_url"`
	ThumbURL  string  `json:"thumb_url"`
	FileSize  int     `json:"file_size"`
	Width     *int    `json:"width"`
	Height    *int    `json:"height"`
}

type wireMessagesMeta struct {
	Labels               []string        `json:"labels"`
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
	Contact              wireContact     `json:"contact"`
	Assignee             *wireAgent      `json:"assignee"`
	AgentLastSeenAt      *string         `json:"agent_last_seen_at"`
	AssigneeLastSeenAt   *string         `json:"assignee_last_seen_at"`
}

type wireMessagesResponse struct {
	Meta    wireMessagesMeta `json:"meta"`
	Payload []wireMessage    `json:"payload"`
}

// wirePublicConversation is public/api/v1/models/_conversation.
type wirePublicConversation struct {
	ID                int                 `json:"id"`
	UUID              string              `json:"uuid"`
	InboxID           int                 `json:"inbox_id"`
	ContactLastSeenAt int64               `json:"contact_last_seen_at"`
	Status            string              `json:"status"`
	AgentLastSeenAt   int64               `json:"agent_last_seen_at"`
	Messages          []wirePublicMessage `json:"messages"`
	Contact           wireContactRecord   `json:"contact"`
}

// wirePublicMessage is public/api/v1/models/_message.
type wirePublicMessage struct {
	ID                int              `json:"id"`
	Content           *string          `json:"content"`
	MessageType       int              `json:"message_type"`
	ContentType       string           `json:"content_type"`
	ContentAttributes json.RawMessage  `json:"content_attributes"`
	CreatedAt         int64            `json:"created_at"`
	ConversationID    int              `json:"conversation_id"`
	Attachments       []wireAttachment `json:"attachments,omitempty"`
	Sender            any              `json:"sender,omitempty"`
}

// wireContactRecord is a Contact rendered as a model (Contact#as_json): ISO
// timestamps, every column.
type wireContactRecord struct {
	ID                   int             `json:"id"`
	Name                 string          `json:"name"`
	Email                *string         `json:"email"`
	PhoneNumber          *string         `json:"phone_number"`
	AccountID            int             `json:"account_id"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
	Identifier           *string         `json:"identifier"`
	CustomAttributes     json.RawMessage `json:"custom_attributes"`
	LastActivityAt       *string         `json:"last_activity_at"`
	ContactType          string          `json:"contact_type"`
	MiddleName           string          `json:"middle_name"`
	LastName             string          `json:"last_name"`
	Location             string          `json:"location"`
	CountryCode          string          `json:"country_code"`
	Blocked              bool            `json:"blocked"`
	CompanyID            *int            `json:"company_id"`
}

// Undocumented extras, served on a deterministic subset of conversations.
var rawCSAT = json.RawMessage(`{"id":7,"rating":4,"feedback_message":"Quick and friendly 👍"}`)

// --- builders ---------------------------------------------------------------

func (w *Workspace) wireConversation(c *conversation) wireConversation {
	wc := wireConversation{
		Meta: wireConversationMeta{
			Sender:       c.contact.wire("contact"),
			Channel:      c.inbox.channelType,
			HmacVerified: false,
		},
		ID:                   c.id,
		Messages:             []wirePushMessage{},
		AccountID:            w.accountID,
		UUID:                 c.uuid,
		AdditionalAttributes: c.additional,
		AgentLastSeenAt:      unix(c.agentSeen),
		ContactLastSeenAt:    unix(c.contactSeen),
		CanReply:             true,
		CustomAttributes:     c.custom,
		InboxID:              c.inbox.id,
		Labels:               slices.Clone(c.labels),
		Muted:                c.muted,
		SnoozedUntil:         isoPtr(c.snoozedUntil),
		Status:               c.status,
		CreatedAt:            unix(c.created),
		UpdatedAt:            floatSeconds(c.updated),
		Timestamp:            unix(c.lastActivity),
		FirstReplyCreatedAt:  unix(c.firstReply()),
		UnreadCount:          c.unread(),
		LastActivityAt:       unix(c.lastActivity),
		Priority:             strPtr(c.priority),
		WaitingSince:         unix(c.waitingSince()),
	}
	if wc.Labels == nil {
		wc.Labels = []string{}
	}
	if c.assignee != nil {
		a := w.wireAgent(c.assignee)
		a.Type = senderUser
		wc.Meta.Assignee = &a
		wc.AssigneeLastSeenAt = wc.AgentLastSeenAt
	}
	if c.team != nil {
		wc.Meta.Team = &wireTeam{ID: c.team.id, Name: c.team.name, Description: c.team.description, AllowAutoAssign: true, AccountID: w.accountID}
	}
	if m := c.lastMessage(); m != nil {
		wc.Messages = append(wc.Messages, w.wirePush(m))
	}
	if m := c.lastNonActivity(); m != nil {
		pm := w.wirePush(m)
		wc.LastNonActivityMessage = &pm
	}
	if w.enterprise {
		wc.AppliedSLA, wc.SLAEvents = json.RawMessage("null"), []wireSLAEvent{}
		if s := c.sla; s != nil {
			id := s.policy.id
			wc.SLAPolicyID = &id
			wc.AppliedSLA, wc.SLAEvents = s.wire(), s.wireEvents()
		}
	}
	if c.extras {
		wc.CaptainState, wc.CSATSurveyResponse = "handed_off", rawCSAT
	}
	return wc
}

func (s *appliedSLA) wire() wireAppliedSLA {
	p := s.policy
	return wireAppliedSLA{
		ID: s.id, SLAID: p.id, SLAStatus: s.status,
		CreatedAt: unix(s.created), UpdatedAt: unix(s.updated),
		SLADescription: p.description, SLAName: p.name,
		SLAFirstResponseTimeThreshold: rubyFloat(p.frt),
		SLANextResponseTimeThreshold:  rubyFloat(p.nrt),
		SLAOnlyDuringBusinessHours:    p.businessHours,
		SLAResolutionTimeThreshold:    rubyFloat(p.rt),
	}
}

func (s *appliedSLA) wireEvents() []wireSLAEvent {
	out := make([]wireSLAEvent, 0, len(s.events))
	for _, e := range s.events {
		out = append(out, wireSLAEvent{ID: e.id, EventType: e.eventType, Meta: rawEmptyObject, CreatedAt: unix(e.created), UpdatedAt: unix(e.created)})
	}
	return out
}

func (w *Workspace) wireAgent(a *agent) wireAgent {
	wa := wireAgent{
		ID: a.id, AccountID: w.accountID, AvailabilityStatus: a.availability, AutoOffline: a.autoOff,
		Confirmed: a.confirmed, Email: a.email, Provider: "email", AvailableName: a.name, Name: a.name,
		Role: a.role, Thumbnail: "",
	}
	if w.enterprise {
		wa.CustomRoleID = json.RawMessage("null")
	}
	return wa
}

// wire renders the contact partial; typ is the meta.sender "type" ("" to
// omit it).
func (ct *contact) wire(typ string) wireContact {
	return wireContact{
		AdditionalAttributes: ct.additional,
		AvailabilityStatus:   "offline",
		Email:                strPtr(ct.email),
		ID:                   ct.id,
		Name:                 ct.name,
		PhoneNumber:          strPtr(ct.phone),
		Blocked:              ct.blocked,
		Identifier:           strPtr(ct.ident),
		Thumbnail:            "",
		CustomAttributes:     ct.custom,
		LastActivityAt:       unix(ct.lastActivity),
		CreatedAt:            unix(ct.created),
		Type:                 typ,
	}
}

func (ct *contact) record(accountID int) wireContactRecord {
	// Chatwoot keeps the full name in name; last_name is only set when a
	// client splits it, which the API channel's SDKs do.
	last := ""
	if ct.inbox.id == inboxAPI {
		if i := strings.LastIndexByte(ct.name, ' '); i >= 0 {
			last = ct.name[i+1:]
		}
	}
	return wireContactRecord{
		ID: ct.id, Name: ct.name, Email: strPtr(ct.email), PhoneNumber: strPtr(ct.phone), AccountID: accountID,
		CreatedAt: iso(ct.created), UpdatedAt: iso(ct.lastActivity), AdditionalAttributes: ct.additional,
		Identifier: strPtr(ct.ident), CustomAttributes: ct.custom, LastActivityAt: isoPtr(ct.lastActivity),
		ContactType: "lead", LastName: last, Location: ct.city, CountryCode: ct.countryCode, Blocked: ct.blocked,
	}
}

func (w *Workspace) sender(m *message) any {
	switch m.senderType {
	case senderContact:
		if ct := w.contactBy[m.senderID]; ct != nil {
			return ct.sender
		}
	case senderUser:
		if m.senderID >= 1 && m.senderID <= len(w.agents) {
			return w.agents[m.senderID-1].sender
		}
	case senderAgentBot:
		return w.bot.sender
	}
	return nil
}

func (m *message) wireContent() *string {
	if m.contentNull {
		return nil
	}
	s := m.content
	return &s
}

func (w *Workspace) wireAttachments(m *message) []wireAttachment {
	if len(m.attach) == 0 {
		return nil
	}
	out := make([]wireAttachment, 0, len(m.attach))
	for _, a := range m.attach {
		wa := wireAttachment{
			ID: a.id, MessageID: m.id, FileType: a.fileType, AccountID: w.accountID,
			Extension: strPtr(a.ext), DataURL: w.dataURL(a), FileSize: a.size,
		}
		if a.fileType == "image" {
			wa.ThumbURL = w.thumbURL(a)
			width, height := a.width, a.height
			wa.Width, wa.Height = &width, &height
		}
		out = append(out, wa)
	}
	return out
}

func (w *Workspace) wireMessage(m *message) wireMessage {
	return wireMessage{
		ID: m.id, Content: m.wireContent(), InboxID: m.conv.inbox.id, ConversationID: m.conv.id,
		MessageType: m.messageType, ContentType: m.contentType, Status: m.status, ContentAttributes: m.attrs,
		CreatedAt: unix(m.created), Private: m.private, SourceID: strPtr(m.sourceID),
		Sender: w.sender(m), Attachments: w.wireAttachments(m),
	}
}

func (w *Workspace) wirePush(m *message) wirePushMessage {
	c := m.conv
	pm := wirePushMessage{
		ID: m.id, Content: m.wireContent(), AccountID: w.accountID, InboxID: c.inbox.id, ConversationID: c.id,
		MessageType: m.messageType, CreatedAt: unix(m.created), UpdatedAt: iso(m.modified), Private: m.private,
		Status: m.status, SourceID: strPtr(m.sourceID), ContentType: m.contentType, ContentAttributes: m.attrs,
		ExternalSourceIDs: rawEmptyObject, AdditionalAttributes: rawEmptyObject,
		ProcessedMessageContent: m.wireContent(), Sentiment: rawEmptyObject,
		Conversation: wirePushConv{
			UnreadCount: c.unread(), LastActivityAt: unix(c.lastActivity),
			ContactInbox: wireSourceID{SourceID: c.contact.sourceID},
		},
		Attachments: w.wireAttachments(m),
		Sender:      w.sender(m),
	}
	if c.assignee != nil {
		id := c.assignee.id
		pm.Conversation.AssigneeID = &id
	}
	if m.senderType != "" {
		t := modelName(m.senderType)
		id := m.senderID
		pm.SenderType, pm.SenderID = &t, &id
	}
	return pm
}

// modelName is the Rails model behind a sender type: push_event_data's
// sender_type.
func modelName(senderType string) string {
	switch senderType {
	case senderContact:
		return "Contact"
	case senderUser:
		return "User"
	}
	return "AgentBot"
}

func (w *Workspace) wirePublicMessage(m *message) wirePublicMessage {
	return wirePublicMessage{
		ID: m.id, Content: m.wireContent(), MessageType: m.messageType, ContentType: m.contentType,
		ContentAttributes: m.attrs, CreatedAt: unix(m.created), ConversationID: m.conv.id,
		Attachments: w.wireAttachments(m), Sender: w.sender(m),
	}
}

// public reports whether the public client API shows m: Chatwoot's "chat"
// scope hides private notes and activity messages.
func (m *message) public() bool { return !m.private && m.messageType != msgActivity }

func (w *Workspace) wirePublicConversation(c *conversation) wirePublicConversation {
	pc := wirePublicConversation{
		ID: c.id, UUID: c.uuid, InboxID: c.inbox.id, ContactLastSeenAt: unix(c.contactSeen), Status: c.status,
		AgentLastSeenAt: unix(c.agentSeen), Messages: []wirePublicMessage{}, Contact: c.contact.record(w.accountID),
	}
	for _, m := range c.messages {
		if m.public() {
			pc.Messages = append(pc.Messages, w.wirePublicMessage(m))
		}
	}
	return pc
}

func (w *Workspace) wireContactListItem(ct *contact) wireContact {
	wc := ct.wire("")
	wc.ContactInboxes = []wireContactInbox{{SourceID: ct.sourceID, Inbox: wireInboxBrief{
		ID: ct.inbox.id, Name: ct.inbox.name, ChannelType: ct.inbox.channelType, ChannelID: ct.inbox.id,
	}}}
	return wc
}

// --- formats ----------------------------------------------------------------

const fileHost = "https://chatwoot.example.com"

func (w *Workspace) dataURL(a attachment) string {
	return fileHost + "/rails/active_storage/blobs/redirect/" +
		tokenFor(uint64(w.accountID)<<32|uint64(a.id), "blob", 28) + "/" + url.PathEscape(a.name)
}

func (w *Workspace) thumbURL(a attachment) string {
	return fileHost + "/rails/active_storage/representations/redirect/" +
		tokenFor(uint64(w.accountID)<<32|uint64(a.id), "blob", 28) + "/" + url.PathEscape(a.name)
}

// unix is Ruby's time.to_i, where nil.to_i is 0.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// floatSeconds renders t the way Ruby renders Time#to_f in JSON: unix seconds
// with up to six fractional digits, trailing zeros trimmed, and always a
// fractional part ("1700000000.0"). The decimal is exact: a client that reads
// it as float64 and rounds to the microsecond gets t back.
func floatSeconds(t time.Time) json.Number {
	us := t.UnixMicro()
	sec, frac := us/1_000_000, us%1_000_000
	if frac < 0 {
		sec, frac = sec-1, frac+1_000_000
	}
	f := strings.TrimRight(strconv.FormatInt(frac+1_000_000, 10)[1:], "0")
	if f == "" {
		f = "0"
	}
	return json.Number(strconv.FormatInt(sec, 10) + "." + f)
}

// rubyFloat renders a threshold in seconds the way Ruby does (1800.0); 0 is
// null.
func rubyFloat(f float64) json.RawMessage {
	if f == 0 {
		return json.RawMessage("null")
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return json.RawMessage(s)
}

// iso is Rails' JSON time format: UTC with milliseconds.
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func isoPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := iso(t)
	return &s
}

func marshalRaw(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		return rawEmptyObject
	}
	return raw
}

// additionalFor is a new conversation's additional_attributes, which depend
// on its channel.
func additionalFor(c *conversation) json.RawMessage {
	switch c.inbox.id {
	case inboxWebsite:
		h := fakeapi.Mix(uint64(c.id) ^ 0xad)
		return marshalRaw(map[string]any{
			"browser": map[string]string{
				"device_name": "Unknown", "browser_name": [...]string{"Chrome", "Firefox", "Safari"}[h%3],
				"platform_name":   [...]string{"macOS", "Windows", "Linux", "iOS"}[(h>>4)%4],
				"browser_version": "124.0", "platform_version": "10.15.7",
			},
			"referer":          "https://www.example.com/pricing?utm_source=ads&q=\"quoted\"",
			"initiated_at":     map[string]string{"timestamp": c.created.Format("Mon Jan 02 2006 15:04:05 GMT+0000")},
			"browser_language": [...]string{"en", "fr", "de", "ja"}[(h>>8)%4],
		})
	case inboxEmail:
		return marshalRaw(map[string]any{"source": "email", "in_reply_to": nil, "mail_subject": nil})
	}
	return rawEmptyObject
}

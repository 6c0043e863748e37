package chatvolttest

import "encoding/json"

// Wire structs follow the shapes Chatvolt's documentation shows. Nullable
// fields are pointers and serve null when unset (Prisma returns every column),
// never absent. The builders run under the workspace read lock and copy what
// they need, so that marshalling happens after the lock is released.

// wireSummary is a conversation as the list endpoint serves it: no messages,
// no relations.
type wireSummary struct {
	ID             string   `json:"id"`
	Title          *string  `json:"title"`
	Channel        string   `json:"channel"`
	Status         string   `json:"status"`
	Priority       *string  `json:"priority"`
	IsAIEnabled    bool     `json:"isAiEnabled"`
	CreatedAt      string   `json:"createdAt"`
	UpdatedAt      string   `json:"updatedAt"`
	AgentID        *string  `json:"agentId"`
	OrganizationID string   `json:"organizationId"`
	Frustration    *float64 `json:"frustration"`

	Count *wireCount `json:"_count,omitempty"` // undocumented
}

// wireCount is Prisma's relation count, which some responses carry.
type wireCount struct {
	Messages int `json:"messages"`
}

// wireConversation is ConversationDetailed: the summary's fields and the
// conversation's own lists.
type wireConversation struct {
	wireSummary
	Metadata                 json.RawMessage   `json:"metadata"`
	ChannelExternalID        *string           `json:"channelExternalId"`
	ChannelCredentialsID     *string           `json:"channelCredentialsId"`
	MailInboxID              *string           `json:"mailInboxId"`
	FormID                   *string           `json:"formId"`
	UserID                   *string           `json:"userId"`
	VisitorID                *string           `json:"visitorId"`
	ParticipantsContacts     []wireContact     `json:"participantsContacts"`
	ConversationVariables    []wireVariable    `json:"conversationVariables"`
	ConversationContexts     []wireContext     `json:"conversationContexts"`
	Assignees                []wireMember      `json:"assignees"`
	Tags                     []wireTag         `json:"tags"`
	CRMScenarioConversations []wireCRMScenario `json:"crmScenarioConversations"`

	// Undocumented fields some records carry; clients must ignore them.
	ChannelData json.RawMessage `json:"channelData,omitempty"`
	IsGroup     *bool           `json:"isGroup,omitempty"`
}

type wireContact struct {
	ID          string  `json:"id"`
	FirstName   *string `json:"firstName"`
	LastName    *string `json:"lastName"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phoneNumber"`
}

type wireVariable struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type wireContext struct {
	ID        string `json:"id"`
	Content   string `json:"content"`
	CreatedAt string `json:"createdAt"`
}

type wireMember struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Email *string `json:"email"`
}

type wireTag struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireCRMScenario struct {
	Available bool    `json:"available"`
	Scenario  wireRef `json:"scenario"`
	Step      wireRef `json:"step"`
	CreatedAt string  `json:"createdAt"`
	UpdatedAt string  `json:"updatedAt"`
}

type wireRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireMessage struct {
	ID             string  `json:"id"`
	Text           string  `json:"text"`
	HTML           *string `json:"html"`
	From           string  `json:"from"`
	ConversationID string  `json:"conversationId"`
	AgentID        *string `json:"agentId"`
	ContactID      *string `json:"contactId"`
	UserID         *string `json:"userId"`
	VisitorID      *string `json:"visitorId"`
	Read           bool    `json:"read"`
	Eval           *string `json:"eval"`
	CreatedAt      string  `json:"createdAt"`
	UpdatedAt      string  `json:"updatedAt"`

	// Undocumented fields some messages carry.
	Sources  json.RawMessage `json:"sources,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Undocumented extras, served on a deterministic subset of records.
const (
	rawChannelData = `{"provider":"zapi","instanceId":"3C1F","lastSeen":null}`
	rawSources     = `[]`
	rawMsgMetadata = `{"tokens":{"prompt":812,"completion":64},"model":"gpt-4o-mini"}`
)

func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// copyFloat copies a nullable number, so the response shares nothing with
// the workspace once the lock is released.
func copyFloat(f *float64) *float64 {
	if f == nil {
		return nil
	}
	v := *f
	return &v
}

func (w *Workspace) summary(c *conversation) wireSummary {
	ws := wireSummary{
		ID:             c.id,
		Title:          null(c.title),
		Channel:        c.channel,
		Status:         c.status,
		Priority:       null(c.priority),
		IsAIEnabled:    c.aiEnabled,
		CreatedAt:      formatTime(c.created),
		UpdatedAt:      formatTime(c.updated),
		AgentID:        null(c.agentID),
		OrganizationID: w.org,
		Frustration:    copyFloat(c.frustration),
	}
	if c.extras {
		ws.Count = &wireCount{Messages: len(c.messages)}
	}
	return ws
}

func (w *Workspace) detailed(c *conversation) wireConversation {
	wc := wireConversation{
		wireSummary:              w.summary(c),
		Metadata:                 json.RawMessage(c.metadata),
		ChannelExternalID:        null(c.channelExternalID),
		ChannelCredentialsID:     null(c.channelCredentialsID),
		MailInboxID:              null(c.mailInboxID),
		FormID:                   null(c.formID),
		UserID:                   null(c.userID),
		VisitorID:                null(c.visitorID),
		ParticipantsContacts:     []wireContact{},
		ConversationVariables:    []wireVariable{},
		ConversationContexts:     []wireContext{},
		Assignees:                []wireMember{},
		Tags:                     []wireTag{},
		CRMScenarioConversations: []wireCRMScenario{},
	}
	for _, ct := range c.contacts {
		wc.ParticipantsContacts = append(wc.ParticipantsContacts, wireContact{
			ID: ct.id, FirstName: null(ct.firstName), LastName: null(ct.lastName),
			Email: null(ct.email), PhoneNumber: null(ct.phoneNumber),
		})
	}
	for _, v := range c.variables {
		wc.ConversationVariables = append(wc.ConversationVariables, wireVariable{ID: v.id, Name: v.name, Value: v.value})
	}
	for _, x := range c.contexts {
		wc.ConversationContexts = append(wc.ConversationContexts, wireContext{ID: x.id, Content: x.content, CreatedAt: formatTime(x.created)})
	}
	for _, a := range c.assignees {
		wc.Assignees = append(wc.Assignees, wireMember{ID: a.id, Name: a.name, Email: null(a.email)})
	}
	for _, t := range c.tags {
		wc.Tags = append(wc.Tags, wireTag{ID: t.id, Name: t.name})
	}
	for _, l := range c.crm {
		wc.CRMScenarioConversations = append(wc.CRMScenarioConversations, wireCRMScenario{
			Available: l.available,
			Scenario:  wireRef{ID: l.scenario.id, Name: l.scenario.name},
			Step:      wireRef{ID: l.step.id, Name: l.step.name},
			CreatedAt: formatTime(l.created),
			UpdatedAt: formatTime(l.updated),
		})
	}
	if c.extras {
		group := false
		wc.ChannelData = json.RawMessage(rawChannelData)
		wc.IsGroup = &group
	}
	return wc
}

func (m *message) wire() wireMessage {
	wm := wireMessage{
		ID:             m.id,
		Text:           m.text,
		HTML:           null(m.html),
		From:           m.from,
		ConversationID: m.conv.id,
		AgentID:        null(m.agentID),
		ContactID:      null(m.contactID),
		UserID:         null(m.userID),
		VisitorID:      null(m.visitorID),
		Read:           m.read,
		Eval:           null(m.eval),
		CreatedAt:      formatTime(m.created),
		UpdatedAt:      formatTime(m.updated),
	}
	if m.extras {
		wm.Sources, wm.Metadata = json.RawMessage(rawSources), json.RawMessage(rawMsgMetadata)
	}
	return wm
}

package devrevtest

import (
	"encoding/json"
	"strconv"
)

// Wire structs follow the spec's schemas. Optional fields are omitempty so that
// unset means absent, never null, as in the real API. The builders run under
// the workspace read lock and copy what they need, so that marshalling can
// happen after the lock is released.

type wireConversation struct {
	ID            string              `json:"id"`
	DisplayID     string              `json:"display_id"`
	Title         string              `json:"title,omitempty"`
	Description   string              `json:"description,omitempty"`
	CreatedBy     *user               `json:"created_by,omitempty"`
	CreatedDate   string              `json:"created_date"`
	ModifiedBy    *user               `json:"modified_by,omitempty"`
	ModifiedDate  string              `json:"modified_date"`
	Stage         wireStage           `json:"stage"`
	Members       []*user             `json:"members"`
	OwnedBy       []*user             `json:"owned_by,omitempty"`
	Tags          []wireTagWithValue  `json:"tags,omitempty"`
	Channels      []wireSummary       `json:"channels,omitempty"`
	SourceChannel string              `json:"source_channel,omitempty"`
	Messages      []any               `json:"messages,omitempty"`
	SLASummary    *wireSLASummary     `json:"sla_summary,omitempty"`
	SLATracker    *wireTrackerSummary `json:"sla_tracker,omitempty"`

	// Fields real payloads carry beyond the spec, or that clients rarely
	// model; they must be ignored, not fail decoding.
	CustomFields json.RawMessage `json:"custom_fields,omitempty"`
	XPriorityV2  string          `json:"x_priority_v2,omitempty"`
	XRouting     json.RawMessage `json:"x_routing,omitempty"`
}

type wireStage struct {
	Name string `json:"name"`
}

type wireSummary struct {
	ID        string `json:"id"`
	DisplayID string `json:"display_id,omitempty"`
}

type wireTagWithValue struct {
	Tag   wireTagSummary `json:"tag"`
	Value string         `json:"value,omitempty"`
}

type wireTagSummary struct {
	ID        string `json:"id"`
	DisplayID string `json:"display_id,omitempty"`
	Name      string `json:"name"`
}

type wireTrackerSummary struct {
	ID            string `json:"id"`
	DisplayID     string `json:"display_id,omitempty"`
	AppliesToType string `json:"applies_to_type,omitempty"`
}

type wireSLASummary struct {
	Stage                 string       `json:"stage,omitempty"`
	TargetTime            string       `json:"target_time,omitempty"`
	ClosestToBreachMetric string       `json:"closest_to_breach_metric,omitempty"`
	SLATracker            *wireTracker `json:"sla_tracker,omitempty"`
}

type wireTracker struct {
	ID                    string       `json:"id"`
	DisplayID             string       `json:"display_id,omitempty"`
	CreatedDate           string       `json:"created_date,omitempty"`
	ModifiedDate          string       `json:"modified_date,omitempty"`
	AppliesToID           string       `json:"applies_to_id,omitempty"`
	AppliesToType         string       `json:"applies_to_type,omitempty"`
	SLA                   *wireSLA     `json:"sla,omitempty"`
	Stage                 string       `json:"stage,omitempty"`
	Status                string       `json:"status,omitempty"`
	MetricTargetSummaries []wireMetric `json:"metric_target_summaries"`
}

type wireSLA struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

type wireMetric struct {
	MetricDefinition  wireMetricDefinition `json:"metric_definition"`
	Status            string               `json:"status,omitempty"`
	Stage             string               `json:"stage"`
	TargetTime        string               `json:"target_time,omitempty"`
	WarningTargetTime string               `json:"warning_target_time,omitempty"`
	BreachedAt        string               `json:"breached_at,omitempty"`
	CompletedAt       string               `json:"completed_at,omitempty"`
	CompletedIn       *int                 `json:"completed_in,omitempty"` // minutes
	InPolicy          bool                 `json:"in_policy"`
	IsOutOfSchedule   *bool                `json:"is_out_of_schedule,omitempty"`
}

type wireMetricDefinition struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// wireEntryBase is timeline-entry-base; the entry types embed it.
type wireEntryBase struct {
	Type            string `json:"type"`
	ID              string `json:"id"`
	Object          string `json:"object"`
	ObjectDisplayID string `json:"object_display_id"`
	ObjectType      string `json:"object_type,omitempty"`
	CreatedBy       *user  `json:"created_by,omitempty"`
	CreatedDate     string `json:"created_date"`
	ModifiedDate    string `json:"modified_date"`
	Visibility      string `json:"visibility,omitempty"`

	Labels        json.RawMessage `json:"labels,omitempty"`
	XUnknownField json.RawMessage `json:"x_unknown_field,omitempty"`
}

type wireComment struct {
	wireEntryBase
	Thread         *wireThread     `json:"thread,omitempty"` // only on a comment with replies
	Body           *string         `json:"body,omitempty"`   // absent when deleted
	BodyType       string          `json:"body_type,omitempty"`
	Artifacts      []wireArtifact  `json:"artifacts,omitempty"`
	SnapWidgetBody json.RawMessage `json:"snap_widget_body,omitempty"`
}

type wireThread struct {
	TotalReplies int `json:"total_replies"`
}

type wireArtifact struct {
	ID        string           `json:"id"`
	DisplayID string           `json:"display_id,omitempty"`
	File      wireArtifactFile `json:"file"`
}

type wireArtifactFile struct {
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
	Size int    `json:"size"`
}

type wireChangeEvent struct {
	wireEntryBase
	Event wireEvent `json:"event"`
}

type wireEvent struct {
	Type    string       `json:"type"`
	Updated *wireUpdated `json:"updated,omitempty"`
}

type wireUpdated struct {
	ObjectType  string           `json:"object_type"`
	FieldDeltas []wireFieldDelta `json:"field_deltas"`
}

type wireFieldDelta struct {
	Name     string         `json:"name"`
	OldValue wireStageValue `json:"old_value"`
	NewValue wireStageValue `json:"new_value"`
}

// wireStageValue is field-value of type "stage" (a flattened oneOf).
type wireStageValue struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// wireNote is an entry type the spec does not know (timeline_note_v2): real
// orgs grow new entry types, and a sync must skip them, not fail.
type wireNote struct {
	wireEntryBase
	Note wireNoteBody `json:"note"`
}

type wireNoteBody struct {
	Text   string `json:"text"`
	Pinned bool   `json:"pinned"`
}

type wireChat struct {
	Type         string  `json:"type"`
	ID           string  `json:"id"`
	DisplayID    string  `json:"display_id"`
	Title        string  `json:"title,omitempty"`
	Users        []*user `json:"users"`
	CreatedDate  string  `json:"created_date"`
	ModifiedDate string  `json:"modified_date"`
}

// Undocumented extras, served on a deterministic subset of objects.
const (
	rawEmptyArray   = `[]`
	rawUnknownField = `{"a":1}`
	rawCustomFields = `{"tnt__region":"emea","tnt__plan":"enterprise"}`
	rawRouting      = `{"queue":"tier-2","score":0.73,"rules":[]}`
)

func (c *conversation) wire() wireConversation {
	wc := wireConversation{
		ID:            conversationID(c.num),
		DisplayID:     conversationDisplayID(c.num),
		Title:         c.title,
		Description:   c.description,
		CreatedBy:     c.createdBy,
		CreatedDate:   c.prec.format(c.created),
		ModifiedBy:    c.modifiedBy,
		ModifiedDate:  c.prec.format(c.modified),
		Stage:         wireStage{Name: c.stage},
		Members:       c.members,
		OwnedBy:       c.owners,
		SourceChannel: c.sourceChannel,
	}
	if wc.Members == nil {
		wc.Members = []*user{} // required by the spec
	}
	for _, tv := range c.tags {
		wc.Tags = append(wc.Tags, wireTagWithValue{
			Tag:   wireTagSummary{ID: coreDON + "tag/" + strconv.Itoa(tv.tag.num), DisplayID: "TAG-" + strconv.Itoa(tv.tag.num), Name: tv.tag.name},
			Value: tv.value,
		})
	}
	for _, ch := range c.chats {
		wc.Channels = append(wc.Channels, wireSummary{ID: chatID(ch.code), DisplayID: chatDisplayID(ch.code)})
	}
	for _, e := range c.latestComments(3) {
		wc.Messages = append(wc.Messages, e.wire(c))
	}
	if t := c.sla; t != nil {
		wc.SLATracker = &wireTrackerSummary{ID: trackerID(t.num), DisplayID: trackerDisplayID(t.num), AppliesToType: "conversation"}
		if c.slaEmbedded {
			sum := t.summary()
			wc.SLASummary = &wireSLASummary{
				Stage:                 sum.stage,
				TargetTime:            t.prec.format(sum.target),
				ClosestToBreachMetric: sum.closest,
				SLATracker:            t.wire(),
			}
		}
	}
	if c.extras {
		wc.CustomFields, wc.XPriorityV2, wc.XRouting = json.RawMessage(rawCustomFields), "p2", json.RawMessage(rawRouting)
	}
	return wc
}

func (t *slaTracker) wire() *wireTracker {
	wt := &wireTracker{
		ID:                    trackerID(t.num),
		DisplayID:             trackerDisplayID(t.num),
		CreatedDate:           t.prec.format(t.created),
		ModifiedDate:          t.prec.format(t.modified),
		AppliesToID:           conversationID(t.conv.num),
		AppliesToType:         "conversation",
		SLA:                   &wireSLA{ID: coreDON + "sla/" + strconv.Itoa(t.policy.num), Name: t.policy.name, Status: "published"},
		Stage:                 t.summary().stage,
		Status:                t.status(),
		MetricTargetSummaries: make([]wireMetric, 0, len(t.metrics)),
	}
	for _, m := range t.metrics {
		wm := wireMetric{
			MetricDefinition:  wireMetricDefinition{ID: coreDON + "metric_definition/" + strconv.Itoa(m.def.num), Name: m.def.name},
			Status:            m.status,
			Stage:             m.stage,
			TargetTime:        t.prec.format(m.target),
			WarningTargetTime: t.prec.format(m.warning),
			BreachedAt:        t.prec.format(m.breached),
			CompletedAt:       t.prec.format(m.completedAt),
			InPolicy:          m.inPolicy,
		}
		if m.completedIn >= 0 {
			in := m.completedIn
			wm.CompletedIn = &in
		}
		if m.stage != stageCompleted { // the spec: not set for completed metrics
			out := false
			wm.IsOutOfSchedule = &out
		}
		wt.MetricTargetSummaries = append(wt.MetricTargetSummaries, wm)
	}
	return wt
}

// wire renders a timeline entry of conversation c as its concrete type.
func (e *entry) wire(c *conversation) any {
	base := wireEntryBase{
		ID:              entryID(c.num, e.kind, e.num),
		Object:          conversationID(c.num),
		ObjectDisplayID: conversationDisplayID(c.num),
		ObjectType:      "conversation",
		CreatedBy:       e.author,
		CreatedDate:     e.prec.format(e.created),
		ModifiedDate:    e.prec.format(e.modified),
		Visibility:      e.visibility,
	}
	if e.extras {
		base.Labels, base.XUnknownField = json.RawMessage(rawEmptyArray), json.RawMessage(rawUnknownField)
	}
	switch e.kind {
	case kindChange:
		base.Type = "timeline_change_event"
		return wireChangeEvent{wireEntryBase: base, Event: wireEvent{Type: "updated", Updated: &wireUpdated{
			ObjectType: "conversation",
			FieldDeltas: []wireFieldDelta{{
				Name:     "stage",
				OldValue: wireStageValue{Type: "stage", Name: e.from},
				NewValue: wireStageValue{Type: "stage", Name: e.to},
			}},
		}}}
	case kindUnknown:
		base.Type = "timeline_note_v2"
		return wireNote{wireEntryBase: base, Note: wireNoteBody{Text: e.body, Pinned: true}}
	}
	base.Type = "timeline_comment"
	if e.replyTo != 0 {
		// A reply belongs to the comment it answers.
		base.Object = entryID(c.num, kindComment, e.replyTo)
		base.ObjectDisplayID, base.ObjectType = base.Object, "timeline_comment"
	}
	wc := wireComment{wireEntryBase: base, BodyType: "text"}
	if n := c.replies(e.num); n > 0 {
		wc.Thread = &wireThread{TotalReplies: n}
	}
	if !e.deleted {
		body := e.body
		wc.Body = &body
	}
	for _, a := range e.artifacts {
		wc.Artifacts = append(wc.Artifacts, wireArtifact{
			ID: artifactID(a.num), DisplayID: artifactDisplay(a.num),
			File: wireArtifactFile{Type: a.mime, Name: a.name, Size: a.size},
		})
	}
	if e.extras {
		wc.SnapWidgetBody = json.RawMessage(rawEmptyArray)
	}
	return wc
}

func (ch *chat) wire() wireChat {
	return wireChat{
		Type:         "dm",
		ID:           chatID(ch.code),
		DisplayID:    chatDisplayID(ch.code),
		Title:        ch.title,
		Users:        ch.users,
		CreatedDate:  ch.prec.format(ch.created),
		ModifiedDate: ch.prec.format(ch.modified),
	}
}

package devrev

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/syncerhq/syncer/fetcher"
)

// The wire types carry only what syncer reads; everything else stays in the
// raw JSON kept with each record.

// A list answer whose list is missing is an empty page: DevRev omits what is
// empty, the spec's "required" notwithstanding. An error object is no page
// (see listAnswer): read as an empty one it would end a listing, or take a
// whole timeline's messages for deleted.
type conversationsListResponse struct {
	listAnswer
	Conversations []jsontext.Value `json:"conversations"`
	NextCursor    string           `json:"next_cursor"`
}

// listAnswer holds what tells an error object, which a proxy or a failing
// server may send with a 200, from a list answer: DevRev's errors carry a
// type, and list answers none.
type listAnswer struct {
	ErrorType *string `json:"type"`
	Error     any     `json:"error"`
}

// check refuses an answer body that is no list answer: null, or an error
// object.
func (a listAnswer) check(body []byte) error {
	switch {
	case string(bytes.TrimSpace(body)) == "null":
		return errors.New("the answer is null, not a list answer")
	case a.ErrorType != nil || a.Error != nil:
		return errors.New("the answer is an error object, not a list answer") // the caller quotes it
	}
	return nil
}

// threadOf is the id of a comment that has replies, "" for any other entry.
// Only an entry that names total_replies is decoded again.
func threadOf(raw jsontext.Value) string {
	if !bytes.Contains(raw, []byte(`"total_replies"`)) {
		return ""
	}
	var e struct {
		Type   string `json:"type"`
		ID     string `json:"id"`
		Thread *struct {
			TotalReplies fetcher.Int `json:"total_replies"`
		} `json:"thread"`
	}
	if unmarshal(raw, &e) != nil || e.Type != "timeline_comment" || e.ID == "" || e.Thread == nil || e.Thread.TotalReplies <= 0 {
		return "" // an entry that does not decode is quarantined as it is
	}
	return e.ID
}

// decodeList decodes a list answer into resp, refusing a body that is no
// list answer (see check).
func decodeList(body []byte, resp interface{ check([]byte) error }) error {
	if err := unmarshal(body, resp); err != nil {
		return err
	}
	return resp.check(body)
}

type conversationsGetResponse struct {
	Conversation jsontext.Value `json:"conversation"`
}

type timelineEntriesListResponse struct {
	listAnswer
	TimelineEntries []jsontext.Value `json:"timeline_entries"`
	NextCursor      string           `json:"next_cursor"`
}

type chatsGetResponse struct {
	Chat jsontext.Value `json:"chat"`
}

type slaTrackersGetResponse struct {
	SLATracker jsontext.Value `json:"sla_tracker"`
}

type conversation struct {
	ID            string         `json:"id"`
	DisplayID     string         `json:"display_id"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	CreatedBy     *userSummary   `json:"created_by"`
	ModifiedBy    *userSummary   `json:"modified_by"`
	CreatedDate   fetcher.Time   `json:"created_date"`
	ModifiedDate  fetcher.Time   `json:"modified_date"`
	Stage         *stage         `json:"stage"`
	Priority      flexLabel      `json:"priority"`
	SourceChannel string         `json:"source_channel"`
	Members       []userSummary  `json:"members"`
	OwnedBy       []userSummary  `json:"owned_by"`
	Tags          []tagWithValue `json:"tags"`
	Channels      []atomSummary  `json:"channels"`
	SLASummary    *slaSummary    `json:"sla_summary"`
	SLATracker    *atomSummary   `json:"sla_tracker"`
}

type stage struct {
	Name string `json:"name"`
}

type atomSummary struct {
	ID        string `json:"id"`
	DisplayID string `json:"display_id"`
}

// userSummary is a user as records mention it. Its raw copy leaves out the
// fields a summary did not give: merged into the stored one (UpsertUsers),
// an empty one would erase what a fuller summary said.
type userSummary struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	DisplayID   string `json:"display_id,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	FullName    string `json:"full_name,omitempty"`
	Email       string `json:"email,omitempty"`
	State       string `json:"state,omitempty"`
}

type tagWithValue struct {
	Tag struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"tag"`
	Value string `json:"value"`
}

type slaSummary struct {
	Stage                 string       `json:"stage"`
	TargetTime            fetcher.Time `json:"target_time"`
	ClosestToBreachMetric string       `json:"closest_to_breach_metric"`
	RemainingTime         *fetcher.Int `json:"remaining_time"` // minutes
	SLATracker            *slaTracker  `json:"sla_tracker"`
}

type slaTracker struct {
	ID                    string           `json:"id"`
	Stage                 string           `json:"stage"`
	Status                string           `json:"status"`
	SLA                   *slaRef          `json:"sla"`
	MetricTargetSummaries []jsontext.Value `json:"metric_target_summaries"`
}

type slaRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type metricTarget struct {
	MetricDefinition struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"metric_definition"`
	Status            string       `json:"status"`
	Stage             string       `json:"stage"`
	TargetTime        fetcher.Time `json:"target_time"`
	WarningTargetTime fetcher.Time `json:"warning_target_time"`
	BreachedAt        fetcher.Time `json:"breached_at"`
	CompletedAt       fetcher.Time `json:"completed_at"`
	CompletedIn       *fetcher.Int `json:"completed_in"` // minutes
	InPolicy          *bool        `json:"in_policy"`
	RemainingTime     *fetcher.Int `json:"remaining_time"` // minutes
}

type timelineEntry struct {
	Type         string          `json:"type"`
	ID           string          `json:"id"`
	Object       string          `json:"object"`
	CreatedBy    *userSummary    `json:"created_by"`
	CreatedDate  fetcher.Time    `json:"created_date"`
	ModifiedDate fetcher.Time    `json:"modified_date"`
	Body         *string         `json:"body"`
	BodyType     string          `json:"body_type"`
	Visibility   string          `json:"visibility"`
	Artifacts    []artifactEntry `json:"artifacts"`
	Event        *changeEvent    `json:"event"`
	// A snap-kit or snap-widget comment's content is here, not in body:
	// only their presence is read (raw keeps them).
	SnapKitBody    jsontext.Value `json:"snap_kit_body"`
	SnapWidgetBody jsontext.Value `json:"snap_widget_body"`
}

// body is the comment's text: nil for a deleted comment, which comes back
// without one; a snap kit or widget, whose content is its own body, has
// none but is no deleted comment (its text is empty). The snap bodies alone
// tell nothing: a text comment may carry an empty one.
func (e *timelineEntry) body() *string {
	kit := e.BodyType == "snap_kit" && filled(e.SnapKitBody)
	widget := e.BodyType == "snap_widget" && filled(e.SnapWidgetBody)
	if e.Body != nil || !(kit || widget) {
		return e.Body
	}
	empty := ""
	return &empty
}

// filled reports whether a value was sent with something in it: not null,
// not an empty list or object.
func filled(v jsontext.Value) bool {
	s := strings.Join(strings.Fields(string(v)), "")
	return s != "" && s != "null" && s != "[]" && s != "{}"
}

type artifactEntry struct {
	ID   string `json:"id"`
	File *struct {
		Type string       `json:"type"`
		Name string       `json:"name"`
		Size *fetcher.Int `json:"size"`
	} `json:"file"`
}

type chat struct {
	Type         string        `json:"type"`
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	CreatedDate  fetcher.Time  `json:"created_date"`
	ModifiedDate fetcher.Time  `json:"modified_date"`
	Users        []userSummary `json:"users"`
}

// flexLabel is an enum that may arrive as a string or as an object with a
// label or name (DevRev's enum-value), as newer API versions send.
type flexLabel string

// UnmarshalJSONFrom reads the label; a value of any other shape is dropped
// (raw keeps it).
func (l *flexLabel) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == '"' {
		// The common case, read as a token: ids of owners, on a hot path.
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		*l = flexLabel(tok.String())
		return nil
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v.Kind() {
	case '{':
		var obj struct {
			Label string `json:"label"`
			Name  string `json:"name"`
			ID    any    `json:"id"`
		}
		if unmarshal(v, &obj) == nil {
			switch {
			case obj.Label != "":
				*l = flexLabel(obj.Label)
			case obj.Name != "":
				*l = flexLabel(obj.Name)
			case obj.ID != nil:
				*l = flexLabel(fmt.Sprint(obj.ID))
			}
		}
	}
	return nil
}

// changeEvent is the event of a timeline_change_event (the beta spec's
// timeline-change-event-event): only updates carry field changes.
type changeEvent struct {
	Type    string `json:"type"`
	Updated *struct {
		ObjectType  string       `json:"object_type"`
		FieldDeltas []fieldDelta `json:"field_deltas"`
	} `json:"updated"`
}

// fieldDelta is one field's change (field-delta).
type fieldDelta struct {
	Name     string      `json:"name"`
	OldValue *fieldValue `json:"old_value"`
	NewValue *fieldValue `json:"new_value"`
}

// fieldValue is a field-value of the shapes the history reads: stage (name),
// string or id (value), id_list or string_list (values). Values of the
// other lists (tag summaries, numbers) decode too, so that a change event
// that also changes such a field is not refused whole.
type fieldValue struct {
	Type   string      `json:"type"`
	Name   string      `json:"name"`
	Value  flexLabel   `json:"value"`
	Values []flexLabel `json:"values"`
	Stage  *stage      `json:"stage"`
}

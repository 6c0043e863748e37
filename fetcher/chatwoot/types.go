package chatwoot

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// The wire types carry only what syncer reads; the rest stays in raw.

type listResponse struct {
	Data struct {
		Meta struct {
			AllCount *flexInt `json:"all_count"`
		} `json:"meta"`
		Payload []json.RawMessage `json:"payload"`
	} `json:"data"`
}

type messagesResponse struct {
	Payload []json.RawMessage `json:"payload"`
}

type conversation struct {
	ID     flexInt `json:"id"`
	Status string  `json:"status"`
	// Priority is null or low|medium|high|urgent.
	Priority       *string           `json:"priority"`
	InboxID        *flexInt          `json:"inbox_id"`
	Labels         []string          `json:"labels"`
	CreatedAt      unixTime          `json:"created_at"`
	UpdatedAt      unixTime          `json:"updated_at"`
	LastActivityAt unixTime          `json:"last_activity_at"`
	Meta           *convMeta         `json:"meta"`
	Contact        *person           `json:"contact"` // public API shape
	AppliedSLA     *appliedSLA       `json:"applied_sla"`
	SLAEvents      []slaEvent        `json:"sla_events"`
	Messages       []json.RawMessage `json:"messages"` // the public API embeds them
}

type convMeta struct {
	Sender   *person `json:"sender"`
	Assignee *person `json:"assignee"`
	Channel  string  `json:"channel"`
}

// person is a contact, an agent (user) or an agent bot, as senders,
// assignees and conversation contacts appear.
type person struct {
	ID                 flexInt `json:"id"`
	Name               string  `json:"name"`
	AvailableName      string  `json:"available_name"`
	Email              *string `json:"email"`
	PhoneNumber        *string `json:"phone_number"`
	Type               string  `json:"type"`
	Role               string  `json:"role"`
	AvailabilityStatus string  `json:"availability_status"`
}

type appliedSLA struct {
	SLAStatus         string   `json:"sla_status"`
	SLAName           string   `json:"sla_name"`
	FirstResponseTime *flexInt `json:"sla_first_response_time_threshold"`
	NextResponseTime  *flexInt `json:"sla_next_response_time_threshold"`
	ResolutionTime    *flexInt `json:"sla_resolution_time_threshold"`
	CreatedAt         unixTime `json:"created_at"`
}

type slaEvent struct {
	EventType string   `json:"event_type"`
	CreatedAt unixTime `json:"created_at"`
}

type message struct {
	ID                flexInt         `json:"id"`
	Content           *string         `json:"content"`
	ContentType       string          `json:"content_type"`
	ContentAttributes json.RawMessage `json:"content_attributes"`
	MessageType       *flexInt        `json:"message_type"`
	CreatedAt         unixTime        `json:"created_at"`
	Private           bool            `json:"private"`
	Sender            *person         `json:"sender"`
	Attachments       []attachment    `json:"attachments"`
}

type attachment struct {
	ID       flexInt  `json:"id"`
	FileType string   `json:"file_type"`
	DataURL  string   `json:"data_url"`
	FileSize *flexInt `json:"file_size"`
}

// Message types, as Chatwoot's integer enum.
const (
	messageIncoming = 0
	messageOutgoing = 1
	messageActivity = 2
	messageTemplate = 3
)

// unixTime is a Chatwoot timestamp: unix seconds as an integer or a float
// (updated_at), or, in some views, an ISO-8601 string. Null and 0 are unset.
type unixTime struct{ time.Time }

// UnmarshalJSON parses any of the forms.
func (t *unixTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" || s == "0" {
		t.Time = time.Time{}
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 7258118400 { // 2200-01-01
			return fmt.Errorf("timestamp %s out of range", s)
		}
		sec, frac := math.Modf(f)
		// Microseconds are what PostgreSQL keeps; rounding there keeps a
		// float's noise out of the mirror.
		t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
		return nil
	}
	parsed, err := fetcher.ParseTime(s)
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	t.Time = parsed
	return nil
}

// flexInt is an integer sent as a number or a numeric string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", b, err)
	}
	*n = flexInt(f)
	return nil
}

func (n flexInt) String() string { return strconv.FormatInt(int64(n), 10) }

func (n *flexInt) ptr() *int64 {
	if n == nil {
		return nil
	}
	v := int64(*n)
	return &v
}

package chatwoottest

import (
	"encoding/json"
	"fmt"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// vocab is the vocabulary of the simulated account: the kit's help desk,
// plus what only Chatwoot has. A workspace builds it once and never changes
// it.
type vocab struct {
	fakeapi.HelpDesk
	domains   []string
	locations []location
	// Anonymous website visitors get names like Chatwoot's generated ones:
	// word-noun-number.
	visitorWords, visitorNouns []string
	labelNames                 []string
	attachments                []attachmentKind
	templates                  []template
}

type location struct{ city, country, code string }

type attachmentKind struct{ fileType, ext, name string }

func newVocab() *vocab {
	v := &vocab{
		HelpDesk: fakeapi.NewHelpDesk(),
		domains:  []string{"example.com", "example.org", "mail.example.net", "acme.example", "globex.example"},
		locations: []location{
			{"Lisbon", "Portugal", "PT"}, {"Berlin", "Germany", "DE"}, {"Lagos", "Nigeria", "NG"},
			{"São Paulo", "Brazil", "BR"}, {"Tokyo", "Japan", "JP"}, {"Austin", "United States", "US"},
			{"Montréal", "Canada", "CA"}, {"Kraków", "Poland", "PL"}, {"", "", ""},
		},
		visitorWords: []string{
			"autumn", "hidden", "bitter", "misty", "silent", "empty", "dry", "dark", "summer", "icy",
			"delicate", "quiet", "white", "cool", "spring", "winter", "patient", "twilight", "dawn", "crimson",
		},
		visitorNouns: []string{
			"waterfall", "river", "breeze", "moon", "rain", "wind", "sea", "morning", "snow", "lake",
			"sunset", "pine", "shadow", "leaf", "dawn", "glitter", "forest", "hill", "cloud", "meadow",
		},
		labelNames: []string{
			"billing", "bug", "feature-request", "vip", "onboarding", "integration", "login",
			"refund", "outage", "churn-risk", "überprüfung", "csat-low",
		},
		attachments: []attachmentKind{
			{"image", "png", "screenshot.png"},
			{"file", "txt", "error-log.txt"},
			{"file", "pdf", "invoice-2024-03.pdf"},
			{"image", "png", "Capture d’écran 2024-05-02 à 10.14.33.png"},
			{"audio", "ogg", "voice-note.ogg"},
			{"video", "mp4", "screen-recording.mp4"},
		},
		templates: templates(),
	}
	v.Openers = append(v.Openers, "hi")
	v.FollowUps = append(v.FollowUps, "<b>bold?</b> & 'quotes' \"double\" \\ backslash")
	v.Notes = append(v.Notes, "@Bob can you check the refund? (amount: €1 249,00)")
	return v
}

// template is a bot message with structured content_attributes.
type template struct {
	contentType, content string
	attrs                json.RawMessage
}

// templates are the bot messages of the account's bot, one per kind.
func templates() []template {
	return []template{
		{"input_select", "How can we help you today?", json.RawMessage(`{"items":[{"title":"Billing","value":"billing"},{"title":"Technical issue","value":"tech"},{"title":"Something else","value":"other"}]}`)},
		{"cards", "These articles might help:", json.RawMessage(`{"items":[{"title":"Reset your password","description":"Step by step","media_url":"https://help.example.com/img/reset.png","actions":[{"type":"link","text":"Read","uri":"https://help.example.com/reset"}]}]}`)},
		{"form", "Before we connect you, a few details:", json.RawMessage(`{"items":[{"name":"email","type":"email","label":"Your email","placeholder":"you@example.com"},{"name":"order","type":"text","label":"Order number"}]}`)},
		{"article", "Recommended reading", json.RawMessage(`{"items":[{"title":"Exporting data to CSV","description":"All fields, including custom attributes","link":"https://help.example.com/export"}]}`)},
		{"input_csat", "Please rate the conversation", json.RawMessage(`{"display_type":"emoji","message":"How would you rate our support?"}`)},
	}
}

// statusActivity is the activity message Chatwoot writes for a change to
// status, and whether status is one a conversation can have.
func statusActivity(status, by string) (string, bool) {
	var f string
	switch status {
	case "open":
		f = "Conversation was reopened by %s"
	case "resolved":
		f = "Conversation was marked resolved by %s"
	case "pending":
		f = "Conversation was marked as pending by %s"
	case "snoozed":
		f = "Conversation was snoozed by %s"
	default:
		return "", false
	}
	return fmt.Sprintf(f, by), true
}

var (
	rawEmptyObject = json.RawMessage(`{}`)
	rawDeleted     = json.RawMessage(`{"deleted":true}`)
)

// deletedContent is what Chatwoot writes over a deleted message's content.
const deletedContent = "This message was deleted"

// emailAttrs is the content_attributes of an incoming_email message.
func emailAttrs(from, subject, text string) json.RawMessage {
	v := map[string]any{
		"email": map[string]any{
			"from":         []string{from},
			"to":           []string{"support@helpdesk.example.com"},
			"subject":      subject,
			"html_content": map[string]any{"full": "<p>" + text + "</p>", "reply": "<p>" + text + "</p>", "quoted": ""},
			"text_content": map[string]any{"full": text, "reply": text, "quoted": ""},
		},
		"cc_email": nil,
	}
	raw, _ := json.Marshal(v) // maps of strings always marshal
	return raw
}

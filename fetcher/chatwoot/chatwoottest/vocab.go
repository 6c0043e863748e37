package chatwoottest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The vocabulary of the simulated help desk. Some entries carry accents,
// non-Latin scripts, emoji, quotes and newlines on purpose: they are what
// breaks encoders and column types in real mirrors.

var firstNames = [...]string{
	"Alice", "Bob", "Chloé", "Dmitri", "Emma", "Farah", "Gustavo", "Hiroshi", "Ines", "Jonas",
	"Kwame", "Léa", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Søren", "Tariq",
	"Uma", "Viktor", "Wen", "Ximena", "Yūki", "Zoë", "Aoife", "Bjørn", "Ngozi", "Łukasz",
}

var lastNames = [...]string{
	"Anderson", "Becker", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova", "Jensen",
	"Kowalski", "Lindqvist", "Müller", "Nakamura", "O'Brien", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka",
	"Usman", "Virtanen", "Wójcik", "Xu", "Yilmaz", "Zhang", "Nguyễn", "da Silva", "van Dijk", "Okafor",
}

var companies = [...]string{
	"Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Retail", "Hooli",
	"Vandelay Imports", "Soylent Foods", "Tyrell Systems", "Nordlys AS", "Café Lumière",
	"Müller & Söhne GmbH", "Sakura Digital", "Pied Piper", "Oceanic Airlines",
}

var domains = [...]string{"example.com", "example.org", "mail.example.net", "acme.example", "globex.example"}

var locations = [...]struct{ city, country, code string }{
	{"Lisbon", "Portugal", "PT"}, {"Berlin", "Germany", "DE"}, {"Lagos", "Nigeria", "NG"},
	{"São Paulo", "Brazil", "BR"}, {"Tokyo", "Japan", "JP"}, {"Austin", "United States", "US"},
	{"Montréal", "Canada", "CA"}, {"Kraków", "Poland", "PL"}, {"", "", ""},
}

// Anonymous website visitors get names like Chatwoot's generated ones.
var visitorWords = [...]string{
	"autumn", "hidden", "bitter", "misty", "silent", "empty", "dry", "dark", "summer", "icy",
	"delicate", "quiet", "white", "cool", "spring", "winter", "patient", "twilight", "dawn", "crimson",
}

var visitorNouns = [...]string{
	"waterfall", "river", "breeze", "moon", "rain", "wind", "sea", "morning", "snow", "lake",
	"sunset", "pine", "shadow", "leaf", "dawn", "glitter", "forest", "hill", "cloud", "meadow",
}

var labelNames = [...]string{
	"billing", "bug", "feature-request", "vip", "onboarding", "integration", "login",
	"refund", "outage", "churn-risk", "überprüfung", "csat-low",
}

var subjects = [...]string{
	"Login", "SSO", "Invoice", "Billing page", "CSV export", "API token", "Webhook delivery",
	"Mobile app", "Dashboard", "Password reset", "Slack integration", "Search", "Notifications",
	"Two-factor authentication", "Data import", "Seat count",
}

var problems = [...]string{
	"not working", "fails with error 500", "is very slow", "shows wrong totals", "keeps timing out",
	"stopped syncing", "missing after upgrade", "question", "broken on Safari", "charged twice",
}

var customerOpeners = [...]string{
	"Hi team,\n\nsince this morning none of our users can log in. We get \"invalid session\" right after the SSO redirect. Can you take a look?\n\nThanks",
	"Hello, the invoice for March shows 42 seats but we only have 35 active users. Could you check?",
	"Our webhook endpoint stopped receiving events around 09:40 UTC. Nothing changed on our side.",
	"Is there a way to export all tickets to CSV including custom fields?",
	"The dashboard takes more than 30 seconds to load 😩",
	"Bonjour, nous n'arrivons plus à exporter nos rapports depuis la mise à jour. Merci d'avance !",
	"こんにちは、ログインできません。至急対応をお願いします。",
	"Urgent!!! 🔥🔥 production is down for our EU customers",
	"Steps to reproduce:\n1. Open Settings\n2. Click \"Integrations\"\n3. Press Save → spinner forever\n\nScreenshot attached.",
	"We were charged twice this month (2 × €499,00). Please refund one of the payments.",
	"Can we get SAML instead of OAuth for our Okta tenant?",
	"The mobile app crashes when I open a notification. iOS 17.4, app v5.2.1.",
	"hi",
}

var agentReplies = [...]string{
	"Thanks for reaching out! I'm looking into this now and will update you shortly.",
	"Could you share the request ID from the error page? It starts with `req_`.",
	"We've identified the issue and deployed a fix. Could you confirm it works on your side?",
	"I've credited your account for the extra seats. The corrected invoice will follow by email.",
	"This is a known limitation; I've added your vote to the feature request ✅",
	"Just checking in — did the workaround help?",
	"Merci pour votre patience. Le correctif est en production depuis ce matin.",
	"Here is the workaround:\n\n```\ncurl -X POST https://api.example.com/v2/export -H 'Authorization: Bearer …'\n```\n\nLet me know if that helps.",
}

var customerFollowUps = [...]string{
	"Yes, it works now. Thank you so much! 🙏",
	"Still happening, here is the request id: req_8f3a2c91",
	"Any update on this?",
	"Thanks, you can close this.",
	"👍",
	"That didn't help, same error.\n\n-- \nSent from my phone",
	"<b>bold?</b> & 'quotes' \"double\" \\ backslash",
}

var privateNotes = [...]string{
	"Escalated to the platform team, see incident INC-2291.",
	"Customer is on the Enterprise plan — prioritize.",
	"Repro'd on staging. Root cause: token cache not invalidated after SSO config change.",
	"Follow up on Monday if no reply.",
	"@Bob can you check the refund? (amount: €1 249,00)",
}

type attachmentKind struct{ fileType, ext, name string }

var attachmentKinds = [...]attachmentKind{
	{"image", "png", "screenshot.png"},
	{"file", "txt", "error-log.txt"},
	{"file", "pdf", "invoice-2024-03.pdf"},
	{"image", "png", "Capture d’écran 2024-05-02 à 10.14.33.png"},
	{"audio", "ogg", "voice-note.ogg"},
	{"video", "mp4", "screen-recording.mp4"},
}

// template is a bot message with structured content_attributes.
type template struct {
	contentType, content string
	attrs                json.RawMessage
}

var templates = [...]template{
	{"input_select", "How can we help you today?", json.RawMessage(`{"items":[{"title":"Billing","value":"billing"},{"title":"Technical issue","value":"tech"},{"title":"Something else","value":"other"}]}`)},
	{"cards", "These articles might help:", json.RawMessage(`{"items":[{"title":"Reset your password","description":"Step by step","media_url":"https://help.example.com/img/reset.png","actions":[{"type":"link","text":"Read","uri":"https://help.example.com/reset"}]}]}`)},
	{"form", "Before we connect you, a few details:", json.RawMessage(`{"items":[{"name":"email","type":"email","label":"Your email","placeholder":"you@example.com"},{"name":"order","type":"text","label":"Order number"}]}`)},
	{"article", "Recommended reading", json.RawMessage(`{"items":[{"title":"Exporting data to CSV","description":"All fields, including custom attributes","link":"https://help.example.com/export"}]}`)},
	{"input_csat", "Please rate the conversation", json.RawMessage(`{"display_type":"emoji","message":"How would you rate our support?"}`)},
}

var activityFormats = map[string]string{
	"open":     "Conversation was reopened by %s",
	"resolved": "Conversation was marked resolved by %s",
	"pending":  "Conversation was marked as pending by %s",
	"snoozed":  "Conversation was snoozed by %s",
}

// statusActivity is the activity message Chatwoot writes for a status change.
func statusActivity(status, by string) string {
	f, ok := activityFormats[status]
	if !ok {
		f = "Conversation status changed by %s"
	}
	return fmt.Sprintf(f, by)
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

// longBody is a pasted log of about 20 KB: bodies that size exist in real
// help desks and catch truncating columns and small read buffers.
func longBody() string {
	var b strings.Builder
	b.WriteString("Here is the full log from our side, sorry for the length:\n\n")
	for i := range 200 {
		fmt.Fprintf(&b, "2024-05-02T10:%02d:%02d.%03dZ ERROR sync worker=%d msg=\"upstream returned 502\" attempt=%d\n",
			i/60%60, i%60, i*7%1000, i%8, i%5+1)
	}
	b.WriteString("\nThanks for any help 🙏")
	return b.String()
}

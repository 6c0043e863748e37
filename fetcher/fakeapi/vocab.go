package fakeapi

import (
	"fmt"
	"strings"
)

// HelpDesk is the vocabulary of a simulated English-speaking help desk:
// who writes, for which company, about what, and in which words. The fakes
// of help-desk vendors share it and append what only they have. It is built
// per use (NewHelpDesk), so that no package holds mutable state.
//
// Some entries carry accents, non-Latin scripts, emoji, quotes and newlines
// on purpose: they are what breaks encoders and column types in real
// mirrors.
type HelpDesk struct {
	FirstNames, LastNames []string
	Companies             []string
	// A title is a subject and a problem: "Invoice shows wrong totals".
	Subjects, Problems []string
	Openers            []string // a customer's first message
	Replies            []string // an agent's public answer
	FollowUps          []string // the customer, later
	Notes              []string // what agents write among themselves
}

// NewHelpDesk returns the shared vocabulary in fresh slices, which the
// caller may append to.
func NewHelpDesk() HelpDesk {
	return HelpDesk{
		FirstNames: []string{
			"Alice", "Bob", "Chloé", "Dmitri", "Emma", "Farah", "Gustavo", "Hiroshi", "Ines", "Jonas",
			"Kwame", "Léa", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Søren", "Tariq",
			"Uma", "Viktor", "Wen", "Ximena", "Yūki", "Zoë", "Aoife", "Bjørn", "Ngozi", "Łukasz",
		},
		LastNames: []string{
			"Anderson", "Becker", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova", "Jensen",
			"Kowalski", "Lindqvist", "Müller", "Nakamura", "O'Brien", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka",
			"Usman", "Virtanen", "Wójcik", "Xu", "Yilmaz", "Zhang", "Nguyễn", "da Silva", "van Dijk", "Okafor",
		},
		Companies: []string{
			"Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Retail", "Hooli",
			"Vandelay Imports", "Soylent Foods", "Tyrell Systems", "Nordlys AS", "Café Lumière",
			"Müller & Söhne GmbH", "Sakura Digital", "Pied Piper", "Oceanic Airlines",
		},
		Subjects: []string{
			"Login", "SSO", "Invoice", "Billing page", "CSV export", "API token", "Webhook delivery",
			"Mobile app", "Dashboard", "Password reset", "Slack integration", "Search", "Notifications",
			"Two-factor authentication", "Data import", "Seat count",
		},
		Problems: []string{
			"not working", "fails with error 500", "is very slow", "shows wrong totals", "keeps timing out",
			"stopped syncing", "missing after upgrade", "question", "broken on Safari", "charged twice",
		},
		Openers: []string{
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
		},
		Replies: []string{
			"Thanks for reaching out! I'm looking into this now and will update you shortly.",
			"Could you share the request ID from the error page? It starts with `req_`.",
			"We've identified the issue and deployed a fix. Could you confirm it works on your side?",
			"I've credited your account for the extra seats. The corrected invoice will follow by email.",
			"This is a known limitation; I've added your vote to the feature request ✅",
			"Just checking in — did the workaround help?",
			"Merci pour votre patience. Le correctif est en production depuis ce matin.",
			"Here is the workaround:\n\n```\ncurl -X POST https://api.example.com/v2/export -H 'Authorization: Bearer …'\n```\n\nLet me know if that helps.",
		},
		FollowUps: []string{
			"Yes, it works now. Thank you so much! 🙏",
			"Still happening, here is the request id: req_8f3a2c91",
			"Any update on this?",
			"Thanks, you can close this.",
			"👍",
			"That didn't help, same error.\n\n-- \nSent from my phone",
		},
		Notes: []string{
			"Escalated to the platform team, see incident INC-2291.",
			"Customer is on the Enterprise plan — prioritize.",
			"Repro'd on staging. Root cause: token cache not invalidated after SSO config change.",
			"Follow up on Monday if no reply.",
		},
	}
}

// LongBody is a pasted log of about 20 KB: bodies that size exist in real
// help desks and catch truncating columns and small read buffers.
func LongBody() string {
	return PastedLog("Here is the full log from our side, sorry for the length:\n\n", 200, func(i int) string {
		return fmt.Sprintf("sync worker=%d msg=\"upstream returned 502\" attempt=%d", i%8, i%5+1)
	}, "\nThanks for any help 🙏")
}

// PastedLog is what a customer pastes into a message: intro, n timestamped
// ERROR lines whose text entry gives, and outro.
func PastedLog(intro string, n int, entry func(i int) string, outro string) string {
	var b strings.Builder
	b.WriteString(intro)
	for i := range n {
		fmt.Fprintf(&b, "2024-05-02T10:%02d:%02d.%03dZ ERROR %s\n", i/60%60, i%60, i*7%1000, entry(i))
	}
	b.WriteString(outro)
	return b.String()
}

package devrevtest

import (
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
	"Vandelay Imports", "Soylent Foods", "Tyrell Systems", "Cyberdyne", "Wonka Confections",
	"Nordlys AS", "Café Lumière", "Müller & Söhne GmbH", "Sakura Digital", "Pied Piper",
	"Gringotts Bank", "Oceanic Airlines", "Black Mesa Research",
}

var tagNames = [...]string{
	"billing", "bug", "feature-request", "urgent", "vip", "onboarding", "integration", "login",
	"refund", "outage", "priority", "region", "csat", "überprüfung",
}

// tagValues lists the values of tags that carry one; other tags have none.
func tagValues(name string) []string {
	switch name {
	case "priority":
		return []string{"p0", "p1", "p2", "p3"}
	case "region":
		return []string{"emea", "amer", "apac"}
	case "csat":
		return []string{"1", "2", "3", "4", "5"}
	}
	return nil
}

var titleSubjects = [...]string{
	"Login", "SSO", "Invoice", "Billing page", "CSV export", "API token", "Webhook delivery",
	"Mobile app", "Dashboard", "Password reset", "Slack integration", "Search", "Notifications",
	"Two-factor authentication", "Data import", "Report scheduler", "Seat count", "Audit log",
}

var titleProblems = [...]string{
	"not working", "fails with error 500", "is very slow", "shows wrong totals", "keeps timing out",
	"stopped syncing", "returns 403 for admins", "missing after upgrade", "question", "broken on Safari",
	"charged twice", "feature request: dark mode", "doesn't respect time zone",
}

// specialTitles are used now and then instead of the subject+problem pattern.
var specialTitles = [...]string{
	"Problème de facturation – facture n°4821",
	"ログインできません",
	"[URGENT] Production down for EU customers 🔥",
	"Re: Re: Fwd: \"Export\" button does nothing",
	"Question about the <script> tag in templates & escaping",
	"",
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
}

var internalNotes = [...]string{
	"Escalated to the platform team, see incident INC-2291.",
	"Customer is on the Enterprise plan — prioritize.",
	"Repro'd on staging. Root cause: token cache not invalidated after SSO config change.",
	"Follow up on Monday if no reply.",
	"Tagging billing for a refund decision (amount: €1 249,00).",
}

var privateNotes = [...]string{
	"Draft reply — don't send yet.",
	"Personal reminder: check the customer's contract tier.",
}

var attachmentNames = [...]struct{ name, mime string }{
	{"screenshot.png", "image/png"},
	{"error-log.txt", "text/plain"},
	{"invoice-2024-03.pdf", "application/pdf"},
	{"Capture d’écran 2024-05-02 à 10.14.33.png", "image/png"},
	{"har-export.har", "application/json"},
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

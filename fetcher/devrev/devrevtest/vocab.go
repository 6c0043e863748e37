package devrevtest

import "github.com/syncerhq/syncer/fetcher/fakeapi"

// vocab is the vocabulary of the simulated help desk: the kit's, plus what
// only DevRev has. A workspace builds it once and never changes it.
type vocab struct {
	fakeapi.HelpDesk
	// specialTitles are used now and then instead of the subject+problem
	// pattern.
	specialTitles []string
	privateNotes  []string // notes only their author sees
	tagNames      []string
	attachments   []attachmentName
}

type attachmentName struct{ name, mime string }

func newVocab() *vocab {
	v := &vocab{
		HelpDesk: fakeapi.NewHelpDesk(),
		specialTitles: []string{
			"Problème de facturation – facture n°4821",
			"ログインできません",
			"[URGENT] Production down for EU customers 🔥",
			"Re: Re: Fwd: \"Export\" button does nothing",
			"Question about the <script> tag in templates & escaping",
			"",
		},
		privateNotes: []string{
			"Draft reply — don't send yet.",
			"Personal reminder: check the customer's contract tier.",
		},
		tagNames: []string{
			"billing", "bug", "feature-request", "urgent", "vip", "onboarding", "integration", "login",
			"refund", "outage", "priority", "region", "csat", "überprüfung",
		},
		attachments: []attachmentName{
			{"screenshot.png", "image/png"},
			{"error-log.txt", "text/plain"},
			{"invoice-2024-03.pdf", "application/pdf"},
			{"Capture d’écran 2024-05-02 à 10.14.33.png", "image/png"},
			{"har-export.har", "application/json"},
		},
	}
	v.Companies = append(v.Companies, "Cyberdyne", "Wonka Confections", "Gringotts Bank", "Black Mesa Research")
	v.Subjects = append(v.Subjects, "Report scheduler", "Audit log")
	v.Problems = append(v.Problems, "returns 403 for admins", "feature request: dark mode", "doesn't respect time zone")
	v.Notes = append(v.Notes, "Tagging billing for a refund decision (amount: €1 249,00).")
	return v
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

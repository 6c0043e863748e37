package mirrorcheck

import (
	"strings"

	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
)

// Chatvolt is what the mirror of a fake Chatvolt organization should hold.
func Chatvolt(snap chatvolttest.Snapshot) Want {
	var w Want
	for _, sc := range snap.Conversations {
		var crm []string
		for _, l := range sc.CRM {
			crm = append(crm, CRMLink(l.ScenarioID, l.ScenarioName, l.StepID, l.Available))
		}
		c := Conversation{Item: Item{ID: sc.ID, Fields: Record{
			"title":                 sc.Title,
			"native_status":         sc.Status,
			"status":                chatvoltStatus(sc.Status),
			"priority":              strings.ToLower(sc.Priority),
			"channel":               sc.Channel,
			"created_at":            Time(sc.CreatedAt),
			"modified_at":           Time(sc.UpdatedAt),
			"participants/assignee": Set(sc.AssigneeIDs),
			"tags":                  Set(sc.Tags),
			"crm":                   Set(crm),
		}}}
		for _, sm := range sc.Messages {
			body := sm.Text
			if body == "" {
				body = sm.HTML
			}
			c.Messages = append(c.Messages, Item{ID: sm.ID, Fields: Record{
				"body":        body,
				"author_type": chatvoltAuthorType(sm),
				"created_at":  Time(sm.CreatedAt),
				"modified_at": Time(sm.UpdatedAt),
			}})
		}
		w.Conversations = append(w.Conversations, c)
	}
	return w
}

func chatvoltStatus(s string) string {
	switch s {
	case "RESOLVED":
		return "resolved"
	case "UNRESOLVED":
		return "open"
	case "HUMAN_REQUESTED":
		return "pending"
	}
	return ""
}

// chatvoltAuthorType: Chatvolt's "agent" is the AI unless an operator (a
// user) answered; "human" is the customer.
func chatvoltAuthorType(m chatvolttest.SnapMessage) string {
	switch m.From {
	case "agent":
		if m.UserID != "" {
			return "agent"
		}
		return "bot"
	case "human":
		return "contact"
	}
	return ""
}

// Package chatvoltcheck compares a mirror with the fake Chatvolt organization
// it was synced from, field by field, so that tests can show the mirror is
// exact.
package chatvoltcheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/internal/mirrordiff"
)

// Compare returns the differences between the live rows of source and snap;
// none means the mirror is exact.
func Compare(ctx context.Context, q *dbq.Queries, source string, snap chatvolttest.Snapshot) ([]string, error) {
	m, err := mirrordiff.Load(ctx, q, source)
	if err != nil {
		return nil, err
	}
	got := map[string]dbq.LiveConversationsRow{}
	for _, c := range m.Convs {
		got[c.ID] = c
	}
	msgsOf := map[string]map[string]dbq.LiveMessagesRow{}
	for conv, msgs := range m.Messages {
		msgsOf[conv] = map[string]dbq.LiveMessagesRow{}
		for _, msg := range msgs {
			msgsOf[conv][msg.ID] = msg
		}
	}
	assignees, tagsOf, crmOf := map[string][]string{}, map[string][]string{}, map[string][]string{}
	for key, users := range m.Participants {
		if conv, role, _ := strings.Cut(key, "/"); role == "assignee" {
			assignees[conv] = append(assignees[conv], users...)
		}
	}
	for conv, tags := range m.Tags {
		for tag := range tags {
			tagsOf[conv] = append(tagsOf[conv], tag)
		}
	}
	for conv, links := range m.CRMLinks {
		for _, l := range links {
			crmOf[conv] = append(crmOf[conv], fmt.Sprintf("%s:%s:%s:%v",
				l.ScenarioID, mirrordiff.Str(l.ScenarioName), mirrordiff.Str(l.StepID), l.Available != nil && *l.Available))
		}
	}

	var d mirrordiff.Diffs
	want := map[string]bool{}
	for _, sc := range snap.Conversations {
		want[sc.ID] = true
		c, ok := got[sc.ID]
		if !ok {
			d.Add("conversation %s missing", sc.ID)
			continue
		}
		d.Eq(sc.ID, "title", sc.Title, mirrordiff.Str(c.Title))
		d.Eq(sc.ID, "native_status", sc.Status, mirrordiff.Str(c.NativeStatus))
		d.Eq(sc.ID, "status", status(sc.Status), mirrordiff.Str(c.Status))
		d.Eq(sc.ID, "priority", strings.ToLower(sc.Priority), mirrordiff.Str(c.Priority))
		d.Eq(sc.ID, "channel", sc.Channel, mirrordiff.Str(c.Channel))
		d.EqTime(sc.ID, "created_at", sc.CreatedAt, c.CreatedAt)
		d.EqTime(sc.ID, "modified_at", sc.UpdatedAt, c.ModifiedAt)
		d.Eq(sc.ID, "assignees", strings.Join(mirrordiff.Set(sc.AssigneeIDs), ","), strings.Join(mirrordiff.Set(assignees[sc.ID]), ","))
		d.Eq(sc.ID, "tags", strings.Join(mirrordiff.Set(sc.Tags), ","), strings.Join(mirrordiff.Set(tagsOf[sc.ID]), ","))
		var wantCRM []string
		for _, l := range sc.CRM {
			wantCRM = append(wantCRM, fmt.Sprintf("%s:%s:%s:%v", l.ScenarioID, l.ScenarioName, l.StepID, l.Available))
		}
		d.Eq(sc.ID, "CRM links", strings.Join(mirrordiff.Set(wantCRM), ","), strings.Join(mirrordiff.Set(crmOf[sc.ID]), ","))

		seen := map[string]bool{}
		for _, sm := range sc.Messages {
			seen[sm.ID] = true
			m, ok := msgsOf[sc.ID][sm.ID]
			if !ok {
				d.Add("%s: message %s missing", sc.ID, sm.ID)
				continue
			}
			key := sc.ID + " message " + sm.ID
			body := sm.Text
			if body == "" {
				body = sm.HTML
			}
			d.Eq(key, "body", body, mirrordiff.Str(m.Body))
			d.Eq(key, "author_type", authorType(sm), mirrordiff.Str(m.AuthorType))
			d.EqTime(key, "created_at", sm.CreatedAt, m.CreatedAt)
			d.EqTime(key, "modified_at", sm.UpdatedAt, m.ModifiedAt)
			d.LiveMessage(key, m)
		}
		for id, m := range msgsOf[sc.ID] {
			if !seen[id] {
				d.GoneMessage(sc.ID, id, m)
			}
		}
	}
	for id := range got {
		if !want[id] {
			d.Add("conversation %s is in the mirror but not at the source", id)
		}
	}
	return d.List(), nil
}

func status(s string) string {
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

// authorType: Chatvolt's "agent" is the AI unless an operator (a user)
// answered; "human" is the customer.
func authorType(m chatvolttest.SnapMessage) string {
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

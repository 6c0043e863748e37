// Package chatwootcheck compares a mirror with the fake Chatwoot account it
// was synced from, field by field, so that tests can show the mirror is
// exact.
package chatwootcheck

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/internal/mirrordiff"
)

// Options says how much of the account the mirror is expected to hold.
type Options struct {
	// PublicView expects one contact's view through the public client API:
	// only that contact's conversations, without private notes and
	// activity messages, and without assignees or labels.
	PublicView bool
	ContactID  int
}

// Compare returns the differences between the live rows of source and snap;
// none means the mirror is exact.
func Compare(ctx context.Context, q *dbq.Queries, source string, snap chatwoottest.Snapshot, opts Options) ([]string, error) {
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
	linksOf := map[string][]string{}
	for key, users := range m.Participants {
		conv, role, _ := strings.Cut(key, "/")
		for _, u := range users {
			linksOf[conv] = append(linksOf[conv], role+"="+u)
		}
	}
	for conv, tags := range m.Tags {
		for tag := range tags {
			linksOf[conv] = append(linksOf[conv], "tag="+tag)
		}
	}
	breachedOf := map[string][]string{}
	for conv, metrics := range m.Metrics {
		for _, mt := range metrics {
			if mt.BreachedAt != nil {
				breachedOf[conv] = append(breachedOf[conv], mt.Metric)
			}
		}
	}
	slaOf := m.Summaries

	var d mirrordiff.Diffs
	want := map[string]bool{}
	for _, sc := range snap.Conversations {
		if opts.PublicView && sc.ContactID != opts.ContactID {
			continue
		}
		id := strconv.Itoa(sc.ID)
		want[id] = true
		c, ok := got[id]
		if !ok {
			d.Add("conversation %s missing", id)
			continue
		}
		d.Eq(id, "status", sc.Status, mirrordiff.Str(c.Status))
		d.Eq(id, "native_status", sc.Status, mirrordiff.Str(c.NativeStatus))
		if !opts.PublicView {
			// The public API does not tell when a conversation was created.
			d.EqTime(id, "created_at", sc.CreatedAt, c.CreatedAt)
			d.Eq(id, "priority", sc.Priority, mirrordiff.Str(c.Priority))
			d.Eq(id, "channel", channel(sc.Channel), mirrordiff.Str(c.Channel))
			d.EqTime(id, "modified_at", sc.UpdatedAt.Round(time.Microsecond), c.ModifiedAt)
			wantLinks := []string{fmt.Sprintf("member=contact:%d", sc.ContactID)}
			if sc.AssigneeID != 0 {
				wantLinks = append(wantLinks, fmt.Sprintf("assignee=agent:%d", sc.AssigneeID))
			}
			for _, l := range sc.Labels {
				wantLinks = append(wantLinks, "tag="+l)
			}
			d.Eq(id, "participants and labels", strings.Join(mirrordiff.Set(wantLinks), ","), strings.Join(mirrordiff.Set(linksOf[id]), ","))
			compareSLA(&d, id, sc, slaOf, breachedOf)
		}
		compareMessages(&d, id, sc, msgsOf[id], opts)
	}
	for id := range got {
		if !want[id] {
			d.Add("conversation %s is in the mirror but not at the source", id)
		}
	}
	return d.List(), nil
}

func compareMessages(d *mirrordiff.Diffs, id string, sc chatwoottest.SnapConversation, got map[string]dbq.LiveMessagesRow, opts Options) {
	seen := map[string]bool{}
	for _, sm := range sc.Messages {
		if opts.PublicView && (sm.Private || sm.MessageType == 2) {
			continue
		}
		mid := strconv.Itoa(sm.ID)
		seen[mid] = true
		m, ok := got[mid]
		if !ok {
			d.Add("%s: message %s missing", id, mid)
			continue
		}
		key := id + " message " + mid
		wantBody := sm.Content
		if sm.Deleted {
			wantBody = nil
		}
		d.Eq(key, "body", mirrordiff.OrNull(wantBody), mirrordiff.OrNull(m.Body))
		d.Eq(key, "body_type", sm.ContentType, mirrordiff.Str(m.BodyType))
		d.Eq(key, "visibility", visibility(sm), mirrordiff.Str(m.Visibility))
		d.Eq(key, "author_type", authorType(sm), mirrordiff.Str(m.AuthorType))
		d.EqTime(key, "created_at", sm.CreatedAt, m.CreatedAt)
		d.LiveMessage(key, m)
	}
	for mid, m := range got {
		if !seen[mid] {
			d.GoneMessage(id, mid, m)
		}
	}
}

func compareSLA(d *mirrordiff.Diffs, id string, sc chatwoottest.SnapConversation, slaOf map[string]dbq.LiveSLASummariesRow, breachedOf map[string][]string) {
	sum, ok := slaOf[id]
	if sc.SLA == nil {
		if ok {
			d.Add("%s: SLA in the mirror but none at the source", id)
		}
		return
	}
	if !ok {
		d.Add("%s: SLA missing", id)
		return
	}
	d.Eq(id, "sla_name", sc.SLA.Name, mirrordiff.Str(sum.SlaName))
	d.Eq(id, "sla stage", sc.SLA.Status, mirrordiff.Str(sum.Stage))
	names := map[string]string{"frt": "first_response_time", "nrt": "next_response_time", "rt": "resolution_time"}
	var wantBreached []string
	for _, e := range sc.SLA.Events {
		wantBreached = append(wantBreached, names[e.EventType])
	}
	d.Eq(id, "breached metrics", strings.Join(mirrordiff.Set(wantBreached), ","), strings.Join(mirrordiff.Set(breachedOf[id]), ","))
}

func visibility(m chatwoottest.SnapMessage) string {
	switch {
	case m.Private:
		return "private"
	case m.MessageType == 2:
		return "internal"
	}
	return "public"
}

func authorType(m chatwoottest.SnapMessage) string {
	switch m.MessageType {
	case 0:
		return "contact"
	case 2:
		return "system"
	case 3:
		return "bot"
	}
	if m.SenderType == "agent_bot" {
		return "bot"
	}
	return "agent"
}

// channel is the mirror's name for Chatwoot's meta.channel.
func channel(s string) string {
	s = strings.TrimPrefix(s, "Channel::")
	var out strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				out.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		out.WriteRune(r)
	}
	return out.String()
}

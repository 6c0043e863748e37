package mirrorcheck

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
)

// ChatwootOptions says how much of the account the mirror is expected to
// hold.
type ChatwootOptions struct {
	// PublicView expects one contact's view through the public client API:
	// only that contact's conversations, without private notes and
	// activity messages, and without assignees, labels, SLAs or the times
	// and fields the public API leaves out.
	PublicView bool
	ContactID  int
}

// Chatwoot is what the mirror of a fake Chatwoot account should hold.
func Chatwoot(snap chatwoottest.Snapshot, opts ChatwootOptions) Want {
	var w Want
	for _, sc := range snap.Conversations {
		if opts.PublicView && sc.ContactID != opts.ContactID {
			continue
		}
		c := Conversation{Item: Item{ID: strconv.Itoa(sc.ID), Fields: Record{
			"status":        sc.Status,
			"native_status": sc.Status,
		}}}
		if !opts.PublicView {
			addChatwootAccountView(c.Fields, sc)
		}
		for _, sm := range sc.Messages {
			if opts.PublicView && (sm.Private || sm.MessageType == 2) {
				continue
			}
			c.Messages = append(c.Messages, chatwootMessage(sm))
		}
		w.Conversations = append(w.Conversations, c)
	}
	return w
}

// addChatwootAccountView adds what the account API tells and the public API
// does not.
func addChatwootAccountView(f Record, sc chatwoottest.SnapConversation) {
	f["created_at"] = Time(sc.CreatedAt)
	f["modified_at"] = Time(sc.UpdatedAt.Round(time.Microsecond))
	f["priority"] = sc.Priority
	f["channel"] = chatwootChannel(sc.Channel)
	links := []string{fmt.Sprintf("member=contact:%d", sc.ContactID)}
	if sc.AssigneeID != 0 {
		links = append(links, fmt.Sprintf("assignee=agent:%d", sc.AssigneeID))
	}
	f["participants"] = Set(links)
	f["tags"] = Set(sc.Labels)
	f["sla"] = null
	if sc.SLA != nil {
		names := map[string]string{"frt": "first_response_time", "nrt": "next_response_time", "rt": "resolution_time"}
		var breached []string
		for _, e := range sc.SLA.Events {
			breached = append(breached, names[e.EventType])
		}
		f["sla"] = sc.SLA.Name
		f["sla stage"] = sc.SLA.Status
		f["sla breached"] = Set(breached)
	}
}

func chatwootMessage(sm chatwoottest.SnapMessage) Item {
	body := sm.Content
	switch {
	case sm.Deleted:
		body = nil
	case body == nil: // attachment-only: a body of no text, not a deleted one
		body = new(string)
	}
	var atts []string
	for _, a := range sm.Attachments {
		atts = append(atts, Attachment(strconv.Itoa(a.ID), chatwootFileName(a.DataURL), a.FileType, int64(a.FileSize)))
	}
	return Item{ID: strconv.Itoa(sm.ID), Fields: Record{
		"body":        Nullable(body),
		"body_type":   sm.ContentType,
		"visibility":  chatwootVisibility(sm),
		"author_type": chatwootAuthorType(sm),
		"created_at":  Time(sm.CreatedAt),
		"attachments": Set(atts),
	}}
}

// chatwootFileName is an attachment's name: the last segment of its URL's
// path, unescaped, which is all Chatwoot's payload says of it.
func chatwootFileName(dataURL string) string {
	if u, err := url.Parse(dataURL); err == nil && u.Path != "" {
		return path.Base(u.Path)
	}
	return dataURL[strings.LastIndexByte(dataURL, '/')+1:]
}

func chatwootVisibility(m chatwoottest.SnapMessage) string {
	switch {
	case m.Private:
		return "private"
	case m.MessageType == 2:
		return "internal"
	}
	return "public"
}

func chatwootAuthorType(m chatwoottest.SnapMessage) string {
	switch m.MessageType {
	case 0:
		return "contact"
	case 2:
		return "system"
	case 3:
		return "bot"
	}
	// Chatwoot's own rule (human_response?): an agent's only when a User
	// sent it.
	switch m.SenderType {
	case "user", "agent":
		return "agent"
	}
	return "bot"
}

// chatwootChannel is the mirror's name for Chatwoot's meta.channel.
func chatwootChannel(s string) string {
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

// Package devrevcheck compares a mirror with the fake DevRev workspace it was
// synced from, field by field, so that tests and the demo can show the
// mirror is exact: nothing missing, nothing extra, nothing stale.
package devrevcheck

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/mirrordiff"
)

// Compare returns the differences between the live rows of source in the
// mirror and snap; none means the mirror is exact.
func Compare(ctx context.Context, q *dbq.Queries, source string, snap devrevtest.Snapshot) ([]string, error) {
	m, err := load(ctx, q, source)
	if err != nil {
		return nil, err
	}
	var d mirrordiff.Diffs
	convs := map[string]dbq.LiveConversationsRow{}
	for _, c := range m.convs {
		convs[c.ID] = c
	}
	want := map[string]bool{}
	for _, sc := range snap.Conversations {
		want[sc.ID] = true
		c, ok := convs[sc.ID]
		if !ok {
			d.Add("conversation %s (%s) missing", sc.DisplayID, sc.ID)
			continue
		}
		d.Eq(sc.ID, "display_id", sc.DisplayID, mirrordiff.Str(c.DisplayID))
		d.Eq(sc.ID, "title", sc.Title, mirrordiff.Str(c.Title))
		d.Eq(sc.ID, "description", sc.Description, mirrordiff.Str(c.Description))
		d.Eq(sc.ID, "native_status", sc.Stage, mirrordiff.Str(c.NativeStatus))
		d.Eq(sc.ID, "channel", sc.SourceChannel, mirrordiff.Str(c.Channel))
		d.EqTime(sc.ID, "created_at", sc.CreatedDate, c.CreatedAt)
		d.EqTime(sc.ID, "modified_at", sc.ModifiedDate, c.ModifiedAt)
		d.Eq(sc.ID, "members", strings.Join(mirrordiff.Set(sc.MemberIDs), ","), strings.Join(m.participants[sc.ID+"/member"], ","))
		d.Eq(sc.ID, "owners", strings.Join(mirrordiff.Set(sc.OwnerIDs), ","), strings.Join(m.participants[sc.ID+"/owner"], ","))
		d.Eq(sc.ID, "tags", fmtMap(sc.Tags), fmtMap(m.tags[sc.ID]))
		compareSLA(&d, sc, m)
		compareComments(&d, sc, m)
	}
	for _, c := range m.convs {
		if !want[c.ID] {
			d.Add("conversation %s is in the mirror but not at the source", c.ID)
		}
	}
	compareChats(&d, snap, m)
	compareUsers(&d, snap, m)
	return d.List(), nil
}

type mirror struct {
	convs        []dbq.LiveConversationsRow
	messages     map[string][]dbq.LiveMessagesRow // by conversation
	attachments  map[string][]dbq.LiveAttachmentsRow
	participants map[string][]string // "conv/role" → sorted user ids
	tags         map[string]map[string]string
	summaries    map[string]dbq.LiveSLASummariesRow
	metrics      map[string][]dbq.LiveSLAMetricsRow
	chats        map[string]dbq.LiveChatsRow
	chatMembers  map[string][]string
	users        map[string]dbq.LiveUsersRow
}

func load(ctx context.Context, q *dbq.Queries, source string) (*mirror, error) {
	m := &mirror{
		messages: map[string][]dbq.LiveMessagesRow{}, attachments: map[string][]dbq.LiveAttachmentsRow{},
		participants: map[string][]string{}, tags: map[string]map[string]string{},
		summaries: map[string]dbq.LiveSLASummariesRow{}, metrics: map[string][]dbq.LiveSLAMetricsRow{},
		chats: map[string]dbq.LiveChatsRow{}, chatMembers: map[string][]string{}, users: map[string]dbq.LiveUsersRow{},
	}
	var err error
	if m.convs, err = q.LiveConversations(ctx, source); err != nil {
		return nil, fmt.Errorf("read conversations: %w", err)
	}
	msgs, err := q.LiveMessages(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	for _, msg := range msgs {
		m.messages[msg.ConversationID] = append(m.messages[msg.ConversationID], msg)
	}
	atts, err := q.LiveAttachments(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	for _, a := range atts {
		m.attachments[a.MessageID] = append(m.attachments[a.MessageID], a)
	}
	parts, err := q.LiveParticipants(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read participants: %w", err)
	}
	for _, p := range parts {
		k := p.ConversationID + "/" + p.Role
		m.participants[k] = append(m.participants[k], p.UserID)
	}
	tags, err := q.LiveTags(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read tags: %w", err)
	}
	for _, t := range tags {
		if m.tags[t.ConversationID] == nil {
			m.tags[t.ConversationID] = map[string]string{}
		}
		m.tags[t.ConversationID][t.Tag] = mirrordiff.Str(t.Value)
	}
	sums, err := q.LiveSLASummaries(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read SLA summaries: %w", err)
	}
	for _, s := range sums {
		m.summaries[s.ConversationID] = s
	}
	metrics, err := q.LiveSLAMetrics(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read SLA metrics: %w", err)
	}
	for _, mt := range metrics {
		m.metrics[mt.ConversationID] = append(m.metrics[mt.ConversationID], mt)
	}
	chats, err := q.LiveChats(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read chats: %w", err)
	}
	for _, c := range chats {
		m.chats[c.ID] = c
	}
	members, err := q.LiveChatMembers(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read chat members: %w", err)
	}
	for _, cm := range members {
		m.chatMembers[cm.ChatID] = append(m.chatMembers[cm.ChatID], cm.UserID)
	}
	users, err := q.LiveUsers(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	for _, u := range users {
		m.users[u.ID] = u
	}
	return m, nil
}

func compareComments(d *mirrordiff.Diffs, sc devrevtest.SnapConversation, m *mirror) {
	got := map[string]dbq.LiveMessagesRow{}
	for _, msg := range m.messages[sc.ID] {
		got[msg.ID] = msg
	}
	for _, c := range sc.Comments {
		msg, ok := got[c.ID]
		if !ok {
			d.Add("%s: comment %s missing", sc.ID, c.ID)
			continue
		}
		delete(got, c.ID)
		id := sc.ID + " comment " + c.ID
		d.Eq(id, "body", mirrordiff.OrNull(c.Body), mirrordiff.OrNull(msg.Body))
		d.Eq(id, "deleted_at", "<null>", fmtTimePtr(msg.DeletedAt))
		d.Eq(id, "author_id", c.AuthorID, mirrordiff.Str(msg.AuthorID))
		d.Eq(id, "visibility", visibility(c.Visibility), mirrordiff.Str(msg.Visibility))
		d.EqTime(id, "created_at", c.CreatedDate, msg.CreatedAt)
		d.EqTime(id, "modified_at", c.ModifiedDate, msg.ModifiedAt)
		var wantAtts, gotAtts []string
		for _, a := range c.Artifacts {
			wantAtts = append(wantAtts, fmt.Sprintf("%s:%s:%s:%d", a.ID, a.Name, a.Type, a.Size))
		}
		for _, a := range m.attachments[c.ID] {
			gotAtts = append(gotAtts, fmt.Sprintf("%s:%s:%s:%d", a.ID, mirrordiff.Str(a.Name), mirrordiff.Str(a.ContentType), deref(a.Size)))
		}
		d.Eq(id, "attachments", strings.Join(mirrordiff.Set(wantAtts), ","), strings.Join(mirrordiff.Set(gotAtts), ","))
	}
	for id := range got {
		d.Add("%s: message %s is in the mirror but not at the source", sc.ID, id)
	}
}

func compareSLA(d *mirrordiff.Diffs, sc devrevtest.SnapConversation, m *mirror) {
	sum, hasSum := m.summaries[sc.ID]
	if sc.SLA == nil {
		if hasSum || len(m.metrics[sc.ID]) > 0 {
			d.Add("%s: SLA in the mirror but none at the source", sc.ID)
		}
		return
	}
	if !hasSum {
		d.Add("%s: SLA summary missing", sc.ID)
		return
	}
	d.Eq(sc.ID, "sla_name", sc.SLA.SLAName, mirrordiff.Str(sum.SlaName))
	d.Eq(sc.ID, "closest_to_breach_metric", sc.SLA.ClosestToBreachMetric, mirrordiff.Str(sum.ClosestToBreachMetric))
	d.EqTime(sc.ID, "sla target_time", sc.SLA.TargetTime, sum.TargetTime)
	got := map[string]dbq.LiveSLAMetricsRow{}
	for _, mt := range m.metrics[sc.ID] {
		got[mt.Metric] = mt
	}
	for _, w := range sc.SLA.Metrics {
		mt, ok := got[w.Name]
		if !ok {
			d.Add("%s: SLA metric %s missing", sc.ID, w.Name)
			continue
		}
		delete(got, w.Name)
		id := sc.ID + " metric " + w.Name
		d.Eq(id, "status", w.Status, mirrordiff.Str(mt.Status))
		d.Eq(id, "stage", w.Stage, mirrordiff.Str(mt.Stage))
		d.EqTime(id, "target_time", derefTime(w.TargetTime), mt.TargetTime)
		d.EqTime(id, "warning_target_time", derefTime(w.WarningTargetTime), mt.WarningTargetTime)
		d.EqTime(id, "breached_at", derefTime(w.BreachedAt), mt.BreachedAt)
		d.EqTime(id, "completed_at", derefTime(w.CompletedAt), mt.CompletedAt)
		wantMin := "-"
		if w.CompletedInMinutes != nil {
			wantMin = fmt.Sprint(*w.CompletedInMinutes)
		}
		gotMin := "-"
		if mt.CompletedInMinutes != nil {
			gotMin = fmt.Sprint(*mt.CompletedInMinutes)
		}
		d.Eq(id, "completed_in_minutes", wantMin, gotMin)
		d.Eq(id, "in_policy", fmt.Sprint(w.InPolicy), fmt.Sprint(mt.InPolicy != nil && *mt.InPolicy))
	}
	for name := range got {
		d.Add("%s: SLA metric %s is in the mirror but not at the source", sc.ID, name)
	}
}

func compareChats(d *mirrordiff.Diffs, snap devrevtest.Snapshot, m *mirror) {
	for _, sc := range snap.Chats {
		c, ok := m.chats[sc.ID]
		if !ok {
			d.Add("chat %s missing", sc.ID)
			continue
		}
		d.Eq(sc.ID, "chat title", sc.Title, mirrordiff.Str(c.Title))
		d.EqTime(sc.ID, "chat modified_at", sc.ModifiedDate, c.ModifiedAt)
		d.Eq(sc.ID, "chat members", strings.Join(mirrordiff.Set(sc.UserIDs), ","), strings.Join(mirrordiff.Set(m.chatMembers[sc.ID]), ","))
	}
}

// compareUsers checks every user the source references. The mirror may hold
// more (users of conversations deleted since).
func compareUsers(d *mirrordiff.Diffs, snap devrevtest.Snapshot, m *mirror) {
	for _, su := range snap.Users {
		u, ok := m.users[su.ID]
		if !ok {
			d.Add("user %s missing", su.ID)
			continue
		}
		d.Eq(su.ID, "user type", su.Type, mirrordiff.Str(u.Type))
		d.Eq(su.ID, "display_name", su.DisplayName, mirrordiff.Str(u.DisplayName))
		d.Eq(su.ID, "email", su.Email, mirrordiff.Str(u.Email))
		d.Eq(su.ID, "full_name", su.FullName, mirrordiff.Str(u.FullName))
	}
}

// visibility is the mirror's name for a DevRev entry visibility.
func visibility(v string) string {
	switch v {
	case "internal", "private":
		return v
	default:
		return "public"
	}
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "<null>"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func derefTime(p *time.Time) time.Time { return deref(p) }

func fmtMap(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// Package devrevcheck compares a mirror with the fake DevRev workspace it was
// synced from, field by field, so that tests and the demo can show the
// mirror is exact: nothing missing, nothing extra, nothing stale.
package devrevcheck

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// maxDiffs caps the differences reported: past a few, more say nothing new.
const maxDiffs = 25

// Compare returns the differences between the live rows of source in the
// mirror and snap; none means the mirror is exact.
func Compare(ctx context.Context, q *dbq.Queries, source string, snap devrevtest.Snapshot) ([]string, error) {
	m, err := load(ctx, q, source)
	if err != nil {
		return nil, err
	}
	var d diffs
	convs := map[string]dbq.LiveConversationsRow{}
	for _, c := range m.convs {
		convs[c.ID] = c
	}
	want := map[string]bool{}
	for _, sc := range snap.Conversations {
		want[sc.ID] = true
		c, ok := convs[sc.ID]
		if !ok {
			d.add("conversation %s (%s) missing", sc.DisplayID, sc.ID)
			continue
		}
		d.eq(sc.ID, "display_id", sc.DisplayID, str(c.DisplayID))
		d.eq(sc.ID, "title", sc.Title, str(c.Title))
		d.eq(sc.ID, "description", sc.Description, str(c.Description))
		d.eq(sc.ID, "native_status", sc.Stage, str(c.NativeStatus))
		d.eq(sc.ID, "channel", sc.SourceChannel, str(c.Channel))
		d.eqTime(sc.ID, "created_at", sc.CreatedDate, c.CreatedAt)
		d.eqTime(sc.ID, "modified_at", sc.ModifiedDate, c.ModifiedAt)
		d.eq(sc.ID, "members", strings.Join(sorted(sc.MemberIDs), ","), strings.Join(m.participants[sc.ID+"/member"], ","))
		d.eq(sc.ID, "owners", strings.Join(sorted(sc.OwnerIDs), ","), strings.Join(m.participants[sc.ID+"/owner"], ","))
		d.eq(sc.ID, "tags", fmtMap(sc.Tags), fmtMap(m.tags[sc.ID]))
		compareSLA(&d, sc, m)
		compareComments(&d, sc, m)
	}
	for _, c := range m.convs {
		if !want[c.ID] {
			d.add("conversation %s is in the mirror but not at the source", c.ID)
		}
	}
	compareChats(&d, snap, m)
	compareUsers(&d, snap, m)
	return d.list, nil
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
		m.tags[t.ConversationID][t.Tag] = str(t.Value)
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

func compareComments(d *diffs, sc devrevtest.SnapConversation, m *mirror) {
	got := map[string]dbq.LiveMessagesRow{}
	for _, msg := range m.messages[sc.ID] {
		got[msg.ID] = msg
	}
	for _, c := range sc.Comments {
		msg, ok := got[c.ID]
		if !ok {
			d.add("%s: comment %s missing", sc.ID, c.ID)
			continue
		}
		delete(got, c.ID)
		id := sc.ID + " comment " + c.ID
		d.eq(id, "body", ptrStr(c.Body), ptrStr(msg.Body))
		d.eq(id, "deleted_at", "<null>", fmtTimePtr(msg.DeletedAt))
		d.eq(id, "author_id", c.AuthorID, str(msg.AuthorID))
		d.eq(id, "visibility", visibility(c.Visibility), str(msg.Visibility))
		d.eqTime(id, "created_at", c.CreatedDate, msg.CreatedAt)
		d.eqTime(id, "modified_at", c.ModifiedDate, msg.ModifiedAt)
		var wantAtts, gotAtts []string
		for _, a := range c.Artifacts {
			wantAtts = append(wantAtts, fmt.Sprintf("%s:%s:%s:%d", a.ID, a.Name, a.Type, a.Size))
		}
		for _, a := range m.attachments[c.ID] {
			gotAtts = append(gotAtts, fmt.Sprintf("%s:%s:%s:%d", a.ID, str(a.Name), str(a.ContentType), deref(a.Size)))
		}
		d.eq(id, "attachments", strings.Join(sorted(wantAtts), ","), strings.Join(sorted(gotAtts), ","))
	}
	for id := range got {
		d.add("%s: message %s is in the mirror but not at the source", sc.ID, id)
	}
}

func compareSLA(d *diffs, sc devrevtest.SnapConversation, m *mirror) {
	sum, hasSum := m.summaries[sc.ID]
	if sc.SLA == nil {
		if hasSum || len(m.metrics[sc.ID]) > 0 {
			d.add("%s: SLA in the mirror but none at the source", sc.ID)
		}
		return
	}
	if !hasSum {
		d.add("%s: SLA summary missing", sc.ID)
		return
	}
	d.eq(sc.ID, "sla_name", sc.SLA.SLAName, str(sum.SlaName))
	d.eq(sc.ID, "closest_to_breach_metric", sc.SLA.ClosestToBreachMetric, str(sum.ClosestToBreachMetric))
	d.eqTime(sc.ID, "sla target_time", sc.SLA.TargetTime, sum.TargetTime)
	got := map[string]dbq.LiveSLAMetricsRow{}
	for _, mt := range m.metrics[sc.ID] {
		got[mt.Metric] = mt
	}
	for _, w := range sc.SLA.Metrics {
		mt, ok := got[w.Name]
		if !ok {
			d.add("%s: SLA metric %s missing", sc.ID, w.Name)
			continue
		}
		delete(got, w.Name)
		id := sc.ID + " metric " + w.Name
		d.eq(id, "status", w.Status, str(mt.Status))
		d.eq(id, "stage", w.Stage, str(mt.Stage))
		d.eqTime(id, "target_time", derefTime(w.TargetTime), mt.TargetTime)
		d.eqTime(id, "warning_target_time", derefTime(w.WarningTargetTime), mt.WarningTargetTime)
		d.eqTime(id, "breached_at", derefTime(w.BreachedAt), mt.BreachedAt)
		d.eqTime(id, "completed_at", derefTime(w.CompletedAt), mt.CompletedAt)
		wantMin := "-"
		if w.CompletedInMinutes != nil {
			wantMin = fmt.Sprint(*w.CompletedInMinutes)
		}
		gotMin := "-"
		if mt.CompletedInMinutes != nil {
			gotMin = fmt.Sprint(*mt.CompletedInMinutes)
		}
		d.eq(id, "completed_in_minutes", wantMin, gotMin)
		d.eq(id, "in_policy", fmt.Sprint(w.InPolicy), fmt.Sprint(mt.InPolicy != nil && *mt.InPolicy))
	}
	for name := range got {
		d.add("%s: SLA metric %s is in the mirror but not at the source", sc.ID, name)
	}
}

func compareChats(d *diffs, snap devrevtest.Snapshot, m *mirror) {
	for _, sc := range snap.Chats {
		c, ok := m.chats[sc.ID]
		if !ok {
			d.add("chat %s missing", sc.ID)
			continue
		}
		d.eq(sc.ID, "chat title", sc.Title, str(c.Title))
		d.eqTime(sc.ID, "chat modified_at", sc.ModifiedDate, c.ModifiedAt)
		d.eq(sc.ID, "chat members", strings.Join(sorted(sc.UserIDs), ","), strings.Join(sorted(m.chatMembers[sc.ID]), ","))
	}
}

// compareUsers checks every user the source references. The mirror may hold
// more (users of conversations deleted since).
func compareUsers(d *diffs, snap devrevtest.Snapshot, m *mirror) {
	for _, su := range snap.Users {
		u, ok := m.users[su.ID]
		if !ok {
			d.add("user %s missing", su.ID)
			continue
		}
		d.eq(su.ID, "user type", su.Type, str(u.Type))
		d.eq(su.ID, "display_name", su.DisplayName, str(u.DisplayName))
		d.eq(su.ID, "email", su.Email, str(u.Email))
		d.eq(su.ID, "full_name", su.FullName, str(u.FullName))
	}
}

type diffs struct {
	list []string
}

func (d *diffs) add(format string, args ...any) {
	if len(d.list) < maxDiffs {
		d.list = append(d.list, fmt.Sprintf(format, args...))
	} else if len(d.list) == maxDiffs {
		d.list = append(d.list, "… (more differences)")
	}
}

func (d *diffs) eq(id, field, want, got string) {
	if want != got {
		d.add("%s: %s is %q in the mirror, %q at the source", id, field, got, want)
	}
}

func (d *diffs) eqTime(id, field string, want time.Time, got *time.Time) {
	g := time.Time{}
	if got != nil {
		g = *got
	}
	if !want.Equal(g) {
		d.add("%s: %s is %s in the mirror, %s at the source", id, field, g.UTC().Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
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

func str(p *string) string { return deref(p) }

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "<null>"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func ptrStr(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func derefTime(p *time.Time) time.Time { return deref(p) }

// sorted returns the distinct values of s in order: links are sets in the
// mirror, whatever repeats a vendor's list may carry.
func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

func fmtMap(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

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
	m, err := mirrordiff.Load(ctx, q, source)
	if err != nil {
		return nil, err
	}
	var d mirrordiff.Diffs
	convs := map[string]dbq.LiveConversationsRow{}
	for _, c := range m.Convs {
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
		d.Eq(sc.ID, "members", strings.Join(mirrordiff.Set(sc.MemberIDs), ","), strings.Join(m.Participants[sc.ID+"/member"], ","))
		d.Eq(sc.ID, "owners", strings.Join(mirrordiff.Set(sc.OwnerIDs), ","), strings.Join(m.Participants[sc.ID+"/owner"], ","))
		d.Eq(sc.ID, "tags", fmtMap(sc.Tags), fmtMap(m.Tags[sc.ID]))
		compareSLA(&d, sc, m)
		compareComments(&d, sc, m)
	}
	for _, c := range m.Convs {
		if !want[c.ID] {
			d.Add("conversation %s is in the mirror but not at the source", c.ID)
		}
	}
	compareChats(&d, snap, m)
	compareUsers(&d, snap, m)
	return d.List(), nil
}

func compareComments(d *mirrordiff.Diffs, sc devrevtest.SnapConversation, m *mirrordiff.Mirror) {
	got := map[string]dbq.LiveMessagesRow{}
	for _, msg := range m.Messages[sc.ID] {
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
		d.LiveMessage(id, msg)
		d.Eq(id, "author_id", c.AuthorID, mirrordiff.Str(msg.AuthorID))
		d.Eq(id, "visibility", visibility(c.Visibility), mirrordiff.Str(msg.Visibility))
		d.EqTime(id, "created_at", c.CreatedDate, msg.CreatedAt)
		d.EqTime(id, "modified_at", c.ModifiedDate, msg.ModifiedAt)
		var wantAtts, gotAtts []string
		for _, a := range c.Artifacts {
			wantAtts = append(wantAtts, fmt.Sprintf("%s:%s:%s:%d", a.ID, a.Name, a.Type, a.Size))
		}
		for _, a := range m.Attachments[c.ID] {
			gotAtts = append(gotAtts, fmt.Sprintf("%s:%s:%s:%d", a.ID, mirrordiff.Str(a.Name), mirrordiff.Str(a.ContentType), deref(a.Size)))
		}
		d.Eq(id, "attachments", strings.Join(mirrordiff.Set(wantAtts), ","), strings.Join(mirrordiff.Set(gotAtts), ","))
	}
	for id, msg := range got {
		d.GoneMessage(sc.ID, id, msg)
	}
}

func compareSLA(d *mirrordiff.Diffs, sc devrevtest.SnapConversation, m *mirrordiff.Mirror) {
	sum, hasSum := m.Summaries[sc.ID]
	if sc.SLA == nil {
		if hasSum || len(m.Metrics[sc.ID]) > 0 {
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
	for _, mt := range m.Metrics[sc.ID] {
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

func compareChats(d *mirrordiff.Diffs, snap devrevtest.Snapshot, m *mirrordiff.Mirror) {
	for _, sc := range snap.Chats {
		c, ok := m.Chats[sc.ID]
		if !ok {
			d.Add("chat %s missing", sc.ID)
			continue
		}
		d.Eq(sc.ID, "chat title", sc.Title, mirrordiff.Str(c.Title))
		d.EqTime(sc.ID, "chat modified_at", sc.ModifiedDate, c.ModifiedAt)
		d.Eq(sc.ID, "chat members", strings.Join(mirrordiff.Set(sc.UserIDs), ","), strings.Join(mirrordiff.Set(m.ChatMembers[sc.ID]), ","))
	}
}

// compareUsers checks every user the source references. The mirror may hold
// more (users of conversations deleted since).
func compareUsers(d *mirrordiff.Diffs, snap devrevtest.Snapshot, m *mirrordiff.Mirror) {
	for _, su := range snap.Users {
		u, ok := m.Users[su.ID]
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

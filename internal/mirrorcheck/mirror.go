package mirrorcheck

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/syncerhq/syncer/db/dbq"
)

// mirror is the live rows of one source in the terms Wants use.
type mirror struct {
	convs    map[string]Record
	messages map[string]map[string]Record // by conversation, then id
	metrics  map[string]map[string]Record // by conversation, then metric
	chats    map[string]Record
	users    map[string]Record
}

// reader reads the live rows of one source, keeping the first error so that
// load reads as a list of tables.
type reader struct {
	ctx    context.Context
	source string
	err    error
}

func read[T any](r *reader, what string, list func(context.Context, string) ([]T, error)) []T {
	if r.err != nil {
		return nil
	}
	rows, err := list(r.ctx, r.source)
	if err != nil {
		r.err = fmt.Errorf("read %s: %w", what, err)
	}
	return rows
}

// groups collects values by a key.
type groups map[string][]string

func (g groups) add(key, value string) { g[key] = append(g[key], value) }

func load(ctx context.Context, q *dbq.Queries, source string) (*mirror, error) {
	r := &reader{ctx: ctx, source: source}
	convs := read(r, "conversations", q.LiveConversations)
	msgs := read(r, "messages", q.LiveMessages)
	atts := read(r, "attachments", q.LiveAttachments)
	parts := read(r, "participants", q.LiveParticipants)
	tags := read(r, "tags", q.LiveTags)
	crm := read(r, "CRM links", q.LiveCRMLinks)
	sums := read(r, "SLA summaries", q.LiveSLASummaries)
	metrics := read(r, "SLA metrics", q.LiveSLAMetrics)
	chats := read(r, "chats", q.LiveChats)
	members := read(r, "chat members", q.LiveChatMembers)
	users := read(r, "users", q.LiveUsers)
	history := read(r, "conversation history", q.LiveHistory)
	if r.err != nil {
		return nil, r.err
	}
	m := &mirror{
		convs:    map[string]Record{},
		messages: map[string]map[string]Record{},
		metrics:  map[string]map[string]Record{},
		chats:    map[string]Record{},
		users:    map[string]Record{},
	}
	for _, c := range convs {
		m.convs[c.ID] = conversationRecord(c)
	}
	m.addLinks(parts, tags, crm)
	m.addSLA(sums, metrics)
	m.addMessages(msgs, atts)
	m.addHistory(history)
	chatMembers := groups{}
	for _, cm := range members {
		chatMembers.add(cm.ChatID, cm.UserID)
	}
	for _, c := range chats {
		m.chats[c.ID] = Record{"title": Text(c.Title), "modified_at": TimePtr(c.ModifiedAt), "members": Set(chatMembers[c.ID])}
	}
	for _, u := range users {
		m.users[u.ID] = Record{"type": Text(u.Type), "display_name": Text(u.DisplayName), "email": Text(u.Email), "full_name": Text(u.FullName)}
	}
	return m, nil
}

// addHistory gives each conversation its "stage history": its versions as
// "valid_from native_status observed_via", oldest first. A version that
// keeps the stage but changes another tracked field (an SLA stage or an
// assignee, dated when it was observed) is no stage change and is left
// out; one that changes nothing at all stays, so that the check still
// catches a version written twice.
func (m *mirror) addHistory(rows []dbq.LiveHistoryRow) {
	versions := groups{}
	for i, h := range rows {
		if i > 0 && otherFieldChanged(rows[i-1], h) {
			continue
		}
		versions.add(h.ConversationID, StageVersion(h.ValidFrom, Text(h.NativeStatus), h.ObservedVia))
	}
	for id, c := range m.convs {
		c["stage history"] = History(versions[id])
	}
}

// otherFieldChanged reports whether h follows prev in the same
// conversation's history with the same stage and another field changed.
func otherFieldChanged(prev, h dbq.LiveHistoryRow) bool {
	if prev.ConversationID != h.ConversationID || Text(prev.NativeStatus) != Text(h.NativeStatus) {
		return false
	}
	return Text(prev.Priority) != Text(h.Priority) || Text(prev.SlaStage) != Text(h.SlaStage) ||
		!slices.Equal(prev.AssigneeIds, h.AssigneeIds)
}

func conversationRecord(c dbq.LiveConversationsRow) Record {
	return Record{
		"display_id":    Text(c.DisplayID),
		"title":         Text(c.Title),
		"description":   Text(c.Description),
		"status":        Text(c.Status),
		"native_status": Text(c.NativeStatus),
		"priority":      Text(c.Priority),
		"channel":       Text(c.Channel),
		"created_at":    TimePtr(c.CreatedAt),
		"modified_at":   TimePtr(c.ModifiedAt),
		"sla":           null,
	}
}

// addLinks derives the link fields: "participants" (every role=user),
// "participants/<role>", "tags" (names), "tag values" (name=value) and "crm".
func (m *mirror) addLinks(parts []dbq.LiveParticipantsRow, tags []dbq.LiveTagsRow, crm []dbq.LiveCRMLinksRow) {
	links := map[string]groups{} // conversation → field → values
	add := func(conv, field, value string) {
		if links[conv] == nil {
			links[conv] = groups{}
		}
		links[conv].add(field, value)
	}
	for _, p := range parts {
		add(p.ConversationID, "participants", p.Role+"="+p.UserID)
		add(p.ConversationID, "participants/"+p.Role, p.UserID)
	}
	for _, t := range tags {
		add(t.ConversationID, "tags", t.Tag)
		add(t.ConversationID, "tag values", t.Tag+"="+Text(t.Value))
	}
	for _, l := range crm {
		add(l.ConversationID, "crm", CRMLink(l.ScenarioID, Text(l.ScenarioName), Text(l.StepID), l.Available != nil && *l.Available))
	}
	for id, rec := range m.convs {
		for _, f := range []string{"participants", "participants/member", "participants/owner", "participants/assignee", "tags", "tag values", "crm"} {
			rec[f] = Set(links[id][f])
		}
	}
}

// addSLA derives the SLA fields: "sla" (the policy's name, null when none
// applies), "sla stage", "sla closest_to_breach_metric", "sla target_time",
// "sla breached" (the metrics breached); and each metric's record.
func (m *mirror) addSLA(sums []dbq.LiveSLASummariesRow, metrics []dbq.LiveSLAMetricsRow) {
	breached := groups{}
	for _, mt := range metrics {
		if m.metrics[mt.ConversationID] == nil {
			m.metrics[mt.ConversationID] = map[string]Record{}
		}
		m.metrics[mt.ConversationID][mt.Metric] = metricRecord(mt)
		if mt.BreachedAt != nil {
			breached.add(mt.ConversationID, mt.Metric)
		}
	}
	for _, s := range sums {
		rec, ok := m.convs[s.ConversationID]
		if !ok {
			continue
		}
		rec["sla"] = Text(s.SlaName)
		rec["sla stage"] = Text(s.Stage)
		rec["sla closest_to_breach_metric"] = Text(s.ClosestToBreachMetric)
		rec["sla target_time"] = TimePtr(s.TargetTime)
		rec["sla breached"] = Set(breached[s.ConversationID])
	}
}

func metricRecord(mt dbq.LiveSLAMetricsRow) Record {
	return Record{
		"status":               Text(mt.Status),
		"stage":                Text(mt.Stage),
		"target_time":          TimePtr(mt.TargetTime),
		"warning_target_time":  TimePtr(mt.WarningTargetTime),
		"breached_at":          TimePtr(mt.BreachedAt),
		"completed_at":         TimePtr(mt.CompletedAt),
		"completed_in_minutes": Minutes(mt.CompletedInMinutes),
		"in_policy":            strconv.FormatBool(mt.InPolicy != nil && *mt.InPolicy),
	}
}

func (m *mirror) addMessages(msgs []dbq.LiveMessagesRow, atts []dbq.LiveAttachmentsRow) {
	attsOf := groups{}
	for _, a := range atts {
		var size int64
		if a.Size != nil {
			size = *a.Size
		}
		attsOf.add(a.MessageID, Attachment(a.ID, Text(a.Name), Text(a.ContentType), size))
	}
	for _, msg := range msgs {
		if m.messages[msg.ConversationID] == nil {
			m.messages[msg.ConversationID] = map[string]Record{}
		}
		m.messages[msg.ConversationID][msg.ID] = Record{
			"deleted":     strconv.FormatBool(msg.DeletedAt != nil),
			"body":        Nullable(msg.Body),
			"body_type":   Text(msg.BodyType),
			"visibility":  Text(msg.Visibility),
			"author_type": Text(msg.AuthorType),
			"author_id":   Text(msg.AuthorID),
			"created_at":  TimePtr(msg.CreatedAt),
			"modified_at": TimePtr(msg.ModifiedAt),
			"attachments": Set(attsOf[msg.ID]),
		}
	}
}

// CRMLink shows a conversation's link to a CRM scenario step.
func CRMLink(scenarioID, scenarioName, stepID string, available bool) string {
	return fmt.Sprintf("%s:%s:%s:%v", scenarioID, scenarioName, stepID, available)
}

// Attachment shows a message's attachment.
func Attachment(id, name, contentType string, size int64) string {
	return fmt.Sprintf("%s:%s:%s:%d", id, name, contentType, size)
}

// Minutes shows a nullable number of minutes.
func Minutes[T int | int32 | int64](p *T) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(int64(*p), 10)
}

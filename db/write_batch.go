package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// WrittenConversation is a conversation row that a batch wrote (an older copy
// that lost to a newer stored one is not written).
type WrittenConversation struct {
	ID         string
	ModifiedAt time.Time
	// MessagesBehind is true when the conversation's message history was not
	// read to the end for its current modification time.
	MessagesBehind bool
	// MessagesSyncedFor is the modification time its messages were last read
	// to the end for; zero when never.
	MessagesSyncedFor time.Time
}

// WriteResult says what WriteBatch stored.
type WriteResult struct {
	Conversations []WrittenConversation
	// Rows counts the records written to mirrored tables.
	Rows int
	// Tables counts them by table.
	Tables map[string]int
}

func (r *WriteResult) add(table string, n int) {
	if n == 0 {
		return
	}
	if r.Tables == nil {
		r.Tables = map[string]int{}
	}
	r.Tables[table] += n
	r.Rows += n
}

// WriteBatch stores one page of records inside tx: one statement per table,
// whatever the page size. Duplicate records within the batch are collapsed
// (the newest copy wins), and links are replaced only for conversations whose
// row was written, so that an older copy changes nothing at all.
func WriteBatch(ctx context.Context, tx pgx.Tx, source string, b *record.Batch) (WriteResult, error) {
	q := dbq.New(tx)
	var res WriteResult

	if users := dedupe(b.Users, func(u record.User) string { return u.ID }, nil); len(users) > 0 {
		rows, err := jsonRows(users)
		if err != nil {
			return res, err
		}
		if err := q.UpsertUsers(ctx, dbq.UpsertUsersParams{Source: source, Rows: rows}); err != nil {
			return res, fmt.Errorf("upsert %d users: %w", len(users), err)
		}
		res.add("users", len(users))
	}

	written := map[string]bool{}
	if convs := dedupe(b.Conversations, func(c record.Conversation) string { return c.ID }, conversationNewer); len(convs) > 0 {
		rows, err := jsonRows(convs)
		if err != nil {
			return res, err
		}
		out, err := q.UpsertConversations(ctx, dbq.UpsertConversationsParams{Source: source, Rows: rows})
		if err != nil {
			return res, fmt.Errorf("upsert %d conversations: %w", len(convs), err)
		}
		for _, row := range out {
			wc := WrittenConversation{ID: row.ID, MessagesBehind: true}
			if row.MessagesSyncedFor != nil {
				wc.MessagesSyncedFor = *row.MessagesSyncedFor
			}
			if row.ModifiedAt != nil {
				wc.ModifiedAt = *row.ModifiedAt
				wc.MessagesBehind = row.MessagesSyncedFor == nil || !row.MessagesSyncedFor.Equal(*row.ModifiedAt)
			}
			written[row.ID] = true
			res.Conversations = append(res.Conversations, wc)
		}
		res.add("conversations", len(out))
		if err := resolveQuarantined(ctx, q, source, record.StreamConversations, convs, func(c record.Conversation) string { return c.ID }); err != nil {
			return res, err
		}
	}
	// Links of conversations absent from this batch's conversation list (a
	// child stream refreshing SLA, say) are taken as they come.
	linkable := func(conversationID string) bool {
		if len(b.Conversations) == 0 {
			return true
		}
		return written[conversationID]
	}

	if owners := filterOwners(b.ParticipantsOf, linkable); len(owners) > 0 {
		participants := dedupe(keep(b.Participants, func(p record.Participant) bool { return linkable(p.ConversationID) }),
			func(p record.Participant) string { return p.ConversationID + "\x00" + p.UserID + "\x00" + p.Role }, nil)
		rows, err := jsonRows(participants)
		if err != nil {
			return res, err
		}
		if err := q.ReplaceParticipants(ctx, dbq.ReplaceParticipantsParams{Source: source, Rows: rows, ConversationIds: owners}); err != nil {
			return res, fmt.Errorf("replace participants of %d conversations: %w", len(owners), err)
		}
		tags := dedupe(keep(b.Tags, func(t record.Tag) bool { return linkable(t.ConversationID) }),
			func(t record.Tag) string { return t.ConversationID + "\x00" + t.Tag }, nil)
		if rows, err = jsonRows(tags); err != nil {
			return res, err
		}
		if err := q.ReplaceTags(ctx, dbq.ReplaceTagsParams{Source: source, Rows: rows, ConversationIds: owners}); err != nil {
			return res, fmt.Errorf("replace tags of %d conversations: %w", len(owners), err)
		}
		res.add("conversation_participants", len(participants))
		res.add("conversation_tags", len(tags))
	}

	if owners := filterOwners(b.SLAOf, linkable); len(owners) > 0 {
		summaries := dedupe(keep(b.SLASummaries, func(s record.SLASummary) bool { return linkable(s.ConversationID) }),
			func(s record.SLASummary) string { return s.ConversationID }, nil)
		rows, err := jsonRows(summaries)
		if err != nil {
			return res, err
		}
		if err := q.ReplaceSLASummaries(ctx, dbq.ReplaceSLASummariesParams{Source: source, Rows: rows, ConversationIds: owners}); err != nil {
			return res, fmt.Errorf("replace SLA summaries of %d conversations: %w", len(owners), err)
		}
		metrics := dedupe(keep(b.SLAMetrics, func(m record.SLAMetric) bool { return linkable(m.ConversationID) }),
			func(m record.SLAMetric) string { return m.ConversationID + "\x00" + m.Metric }, nil)
		if rows, err = jsonRows(metrics); err != nil {
			return res, err
		}
		if err := q.ReplaceSLAMetrics(ctx, dbq.ReplaceSLAMetricsParams{Source: source, Rows: rows, ConversationIds: owners}); err != nil {
			return res, fmt.Errorf("replace SLA metrics of %d conversations: %w", len(owners), err)
		}
		res.add("sla_summaries", len(summaries))
		res.add("sla_metrics", len(metrics))
	}

	if owners := filterOwners(b.CRMLinksOf, linkable); len(owners) > 0 {
		links := dedupe(keep(b.CRMLinks, func(l record.CRMScenarioLink) bool { return linkable(l.ConversationID) }),
			func(l record.CRMScenarioLink) string { return l.ConversationID + "\x00" + l.ScenarioID }, nil)
		rows, err := jsonRows(links)
		if err != nil {
			return res, err
		}
		if err := q.ReplaceCRMScenarioLinks(ctx, dbq.ReplaceCRMScenarioLinksParams{Source: source, Rows: rows, ConversationIds: owners}); err != nil {
			return res, fmt.Errorf("replace CRM links of %d conversations: %w", len(owners), err)
		}
		res.add("crm_scenario_links", len(links))
	}

	if chats := dedupe(b.Chats, func(c record.Chat) string { return c.ID }, chatNewer); len(chats) > 0 {
		rows, err := jsonRows(chats)
		if err != nil {
			return res, err
		}
		if err := q.UpsertChats(ctx, dbq.UpsertChatsParams{Source: source, Rows: rows}); err != nil {
			return res, fmt.Errorf("upsert %d chats: %w", len(chats), err)
		}
		res.add("chats", len(chats))
	}
	if len(b.MembersOf) > 0 {
		members := dedupe(b.ChatMembers, func(m record.ChatMember) string { return m.ChatID + "\x00" + m.UserID }, nil)
		rows, err := jsonRows(members)
		if err != nil {
			return res, err
		}
		if err := q.ReplaceChatMembers(ctx, dbq.ReplaceChatMembersParams{Source: source, Rows: rows, ChatIds: b.MembersOf}); err != nil {
			return res, fmt.Errorf("replace members of %d chats: %w", len(b.MembersOf), err)
		}
		res.add("chat_members", len(members))
	}

	if msgs := dedupe(b.Messages, func(m record.Message) string { return m.ID }, messageNewer); len(msgs) > 0 {
		rows, err := jsonRows(msgs)
		if err != nil {
			return res, err
		}
		if err := q.UpsertMessages(ctx, dbq.UpsertMessagesParams{Source: source, Rows: rows}); err != nil {
			return res, fmt.Errorf("upsert %d messages: %w", len(msgs), err)
		}
		res.add("messages", len(msgs))
		if err := resolveQuarantined(ctx, q, source, record.StreamMessages, msgs, func(m record.Message) string { return m.ID }); err != nil {
			return res, err
		}
	}
	if atts := dedupe(b.Attachments, func(a record.Attachment) string { return a.ID }, nil); len(atts) > 0 {
		rows, err := jsonRows(atts)
		if err != nil {
			return res, err
		}
		if err := q.UpsertAttachments(ctx, dbq.UpsertAttachmentsParams{Source: source, Rows: rows}); err != nil {
			return res, fmt.Errorf("upsert %d attachments: %w", len(atts), err)
		}
		res.add("attachments", len(atts))
	}

	if quarantined := dedupe(b.Quarantined, func(r record.Quarantined) string { return r.Stream + "\x00" + r.RecordID }, nil); len(quarantined) > 0 {
		rows, err := jsonRows(quarantined)
		if err != nil {
			return res, err
		}
		if err := q.QuarantineRecords(ctx, dbq.QuarantineRecordsParams{Source: source, Rows: rows}); err != nil {
			return res, fmt.Errorf("quarantine %d records: %w", len(quarantined), err)
		}
	}
	return res, nil
}

// resolveQuarantined takes records that have now landed out of quarantine.
func resolveQuarantined[T any](ctx context.Context, q *dbq.Queries, source, stream string, items []T, id func(T) string) error {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = id(it)
	}
	if err := q.ResolveQuarantined(ctx, dbq.ResolveQuarantinedParams{Source: source, Stream: stream, RecordIds: ids}); err != nil {
		return fmt.Errorf("resolve quarantined %s: %w", stream, err)
	}
	return nil
}

// dedupe keeps one record per key (the newer by newer when given, else the
// last one seen) and sorts them by key. A fixed order matters: concurrent
// pages that share rows (the same agent on many conversations) then lock
// them in the same order and cannot deadlock.
func dedupe[T any](items []T, key func(T) string, newer func(a, b T) bool) []T {
	if len(items) == 0 {
		return items
	}
	index := make(map[string]int, len(items))
	out := make([]T, 0, len(items))
	for _, it := range items {
		k := key(it)
		if i, ok := index[k]; ok {
			if newer == nil || !newer(out[i], it) {
				out[i] = it
			}
			continue
		}
		index[k] = len(out)
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

func keep[T any](items []T, pred func(T) bool) []T {
	out := items[:0:0]
	for _, it := range items {
		if pred(it) {
			out = append(out, it)
		}
	}
	return out
}

func filterOwners(owners []string, pred func(string) bool) []string {
	return dedupe(keep(owners, pred), func(s string) string { return s }, nil)
}

func conversationNewer(a, b record.Conversation) bool { return a.ModifiedAt.After(b.ModifiedAt) }
func messageNewer(a, b record.Message) bool           { return a.ModifiedAt.After(b.ModifiedAt) }
func chatNewer(a, b record.Chat) bool                 { return a.ModifiedAt.After(b.ModifiedAt) }

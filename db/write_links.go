package db

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// participantsAndTags replaces the participants and tags of the
// conversations the batch gives them in full.
func (w *batchWriter) participantsAndTags(ctx context.Context) error {
	owners := filterOwners(w.b.ParticipantsOf, w.linkable)
	if len(owners) == 0 {
		return nil
	}
	participants := dedupe(keep(w.b.Participants, func(p record.Participant) bool { return w.linkable(p.ConversationID) }),
		func(p record.Participant) string { return p.ConversationID + "\x00" + p.UserID + "\x00" + p.Role }, nil)
	tags := dedupe(keep(w.b.Tags, func(t record.Tag) bool { return w.linkable(t.ConversationID) }),
		func(t record.Tag) string { return t.ConversationID + "\x00" + t.Tag }, nil)
	err := writeLinks(ctx, linkTable[record.Participant, dbq.InsertParticipantsParams]{
		name:  "participants",
		owner: func(p record.Participant) string { return p.ConversationID },
		replace: func(ctx context.Context, rows []byte, owners []string) error {
			return w.q.ReplaceParticipants(ctx, dbq.ReplaceParticipantsParams{Source: w.source, Rows: rows, ConversationIds: owners})
		},
		row: func(p record.Participant) (dbq.InsertParticipantsParams, error) {
			return copyParticipant(w.source, p), nil
		},
		insert: w.q.InsertParticipants,
	}, participants, owners, w.fresh)
	if err != nil {
		return err
	}
	err = writeLinks(ctx, linkTable[record.Tag, dbq.InsertTagsParams]{
		name:  "tags",
		owner: func(t record.Tag) string { return t.ConversationID },
		replace: func(ctx context.Context, rows []byte, owners []string) error {
			return w.q.ReplaceTags(ctx, dbq.ReplaceTagsParams{Source: w.source, Rows: rows, ConversationIds: owners})
		},
		row:    func(t record.Tag) (dbq.InsertTagsParams, error) { return copyTag(w.source, t), nil },
		insert: w.q.InsertTags,
	}, tags, owners, w.fresh)
	if err != nil {
		return err
	}
	w.res.add("conversation_participants", len(participants))
	w.res.add("conversation_tags", len(tags))
	return nil
}

// sla replaces the SLA summaries and metrics of the conversations the batch
// gives them in full (none given: the conversation has no SLA).
func (w *batchWriter) sla(ctx context.Context) error {
	if len(w.b.SLAOf) == 0 {
		return nil
	}
	replaceable := w.linkable
	if len(w.b.Conversations) == 0 {
		var err error
		if replaceable, err = w.slaReplaceable(ctx); err != nil {
			return err
		}
	}
	owners := filterOwners(w.b.SLAOf, replaceable)
	if len(owners) == 0 {
		return nil
	}
	summaries := dedupe(keep(w.b.SLASummaries, func(s record.SLASummary) bool { return replaceable(s.ConversationID) }),
		func(s record.SLASummary) string { return s.ConversationID }, nil)
	metrics := dedupe(keep(w.b.SLAMetrics, func(m record.SLAMetric) bool { return replaceable(m.ConversationID) }),
		func(m record.SLAMetric) string { return m.ConversationID + "\x00" + m.Metric }, nil)
	err := writeLinks(ctx, linkTable[record.SLASummary, dbq.InsertSLASummariesParams]{
		name:  "SLA summaries",
		owner: func(s record.SLASummary) string { return s.ConversationID },
		replace: func(ctx context.Context, rows []byte, owners []string) error {
			return w.q.ReplaceSLASummaries(ctx, dbq.ReplaceSLASummariesParams{Source: w.source, Rows: rows, ConversationIds: owners})
		},
		row: func(s record.SLASummary) (dbq.InsertSLASummariesParams, error) {
			return copySLASummary(w.source, s), nil
		},
		insert: w.q.InsertSLASummaries,
	}, summaries, owners, w.fresh)
	if err != nil {
		return err
	}
	err = writeLinks(ctx, linkTable[record.SLAMetric, dbq.InsertSLAMetricsParams]{
		name:  "SLA metrics",
		owner: func(m record.SLAMetric) string { return m.ConversationID },
		replace: func(ctx context.Context, rows []byte, owners []string) error {
			return w.q.ReplaceSLAMetrics(ctx, dbq.ReplaceSLAMetricsParams{Source: w.source, Rows: rows, ConversationIds: owners})
		},
		row:    func(m record.SLAMetric) (dbq.InsertSLAMetricsParams, error) { return copySLAMetric(w.source, m) },
		insert: w.q.InsertSLAMetrics,
	}, metrics, owners, w.fresh)
	if err != nil {
		return err
	}
	w.res.add("sla_summaries", len(summaries))
	w.res.add("sla_metrics", len(metrics))
	return w.resolveTrackers(ctx, owners)
}

// slaReplaceable says which conversations' SLA a batch without
// conversations (SLA trackers read on their own) replaces: the live ones
// the mirror holds. A tracker of a conversation since deleted, or never
// stored, would store the SLA of nothing. The conversations stay locked to
// the end of the transaction, so that one deleted meanwhile waits for it or
// is left out, and two reads of one SLA store it in turn; those whose SLA
// another read stored since this batch's fetch began are noted
// (WriteResult.SLAOvertaken).
func (w *batchWriter) slaReplaceable(ctx context.Context) (func(string) bool, error) {
	// The query takes each row once, in id order, whatever the ids' order.
	live, err := w.q.LockLiveConversations(ctx, dbq.LockLiveConversationsParams{Source: w.source, Ids: w.b.SLAOf})
	if err != nil {
		return nil, fmt.Errorf("lock %d conversations for their SLA: %w", len(w.b.SLAOf), err)
	}
	// A statement of its own, after the lock: its snapshot sees what a
	// read that held the lock before committed.
	w.res.SLAOvertaken, err = w.q.SLAWrittenSince(ctx, dbq.SLAWrittenSinceParams{Source: w.source, Ids: live, Since: w.opts.FetchedAfter})
	if err != nil {
		return nil, fmt.Errorf("look for SLAs stored since the fetch of %d conversations began: %w", len(live), err)
	}
	replaceable := map[string]bool{}
	for _, id := range live {
		replaceable[id] = true
	}
	return func(id string) bool { return replaceable[id] }, nil
}

// resolveTrackers takes out of quarantine the SLA trackers of the
// conversations whose SLA was just stored in full: a tracker's records name
// its conversation, not the tracker, and the quarantine knows a tracker by
// its conversation too (its parent).
func (w *batchWriter) resolveTrackers(ctx context.Context, conversationIDs []string) error {
	err := w.q.ResolveQuarantinedOfParents(ctx, dbq.ResolveQuarantinedOfParentsParams{
		Source: w.source, Stream: record.StreamSLATrackers, ParentIds: conversationIDs,
	})
	if err != nil {
		return fmt.Errorf("resolve quarantined SLA trackers of %d conversations: %w", len(conversationIDs), err)
	}
	return nil
}

// crmLinks replaces the CRM scenario links of the conversations the batch
// gives them in full.
func (w *batchWriter) crmLinks(ctx context.Context) error {
	owners := filterOwners(w.b.CRMLinksOf, w.linkable)
	if len(owners) == 0 {
		return nil
	}
	links := dedupe(keep(w.b.CRMLinks, func(l record.CRMScenarioLink) bool { return w.linkable(l.ConversationID) }),
		func(l record.CRMScenarioLink) string { return l.ConversationID + "\x00" + l.ScenarioID }, nil)
	err := sendJSON(links, "replace CRM links", func(rows []byte) error {
		return w.q.ReplaceCRMScenarioLinks(ctx, dbq.ReplaceCRMScenarioLinksParams{Source: w.source, Rows: rows, ConversationIds: owners})
	})
	if err != nil {
		return err
	}
	w.res.add("crm_scenario_links", len(links))
	return nil
}

// chats upserts the batch's chats and notes those it wrote (see
// chatLinkable).
func (w *batchWriter) chats(ctx context.Context) error {
	chats := dedupe(w.b.Chats, chatID, newest(chatNewer))
	if len(chats) == 0 {
		return nil
	}
	var written []string
	err := sendJSON(chats, "upsert chats", func(rows []byte) (err error) {
		written, err = w.q.UpsertChats(ctx, dbq.UpsertChatsParams{Source: w.source, Rows: rows, FetchedAfter: w.opts.FetchedAfter})
		return err
	})
	if err != nil {
		return err
	}
	for _, id := range written {
		w.chatsWritten[id] = true
	}
	w.res.add("chats", len(chats))
	return resolveQuarantined(ctx, w.q, w.source, record.StreamChats, chats, chatID)
}

// chatLinkable reports whether the members of a chat are to be written, as
// linkable does for conversations: those of chats the batch wrote (an older
// copy, or one of a chat that stays deleted, would bring back members the
// stored chat no longer has), or, in a batch without chats, all of them.
func (w *batchWriter) chatLinkable(id string) bool {
	return len(w.b.Chats) == 0 || w.chatsWritten[id]
}

// chatMembers replaces the members of the chats the batch gives them in
// full.
func (w *batchWriter) chatMembers(ctx context.Context) error {
	owners := filterOwners(w.b.MembersOf, w.chatLinkable)
	if len(owners) == 0 {
		return nil
	}
	members := dedupe(keep(w.b.ChatMembers, func(m record.ChatMember) bool { return w.chatLinkable(m.ChatID) }),
		func(m record.ChatMember) string { return m.ChatID + "\x00" + m.UserID }, nil)
	err := sendJSON(members, "replace chat members", func(rows []byte) error {
		return w.q.ReplaceChatMembers(ctx, dbq.ReplaceChatMembersParams{Source: w.source, Rows: rows, ChatIds: owners})
	})
	if err != nil {
		return err
	}
	w.res.add("chat_members", len(members))
	return nil
}

// linkTable is how one link table (participants, tags, SLA summaries or
// metrics of conversations) is written; see writeLinks.
type linkTable[T, R any] struct {
	name    string // in errors
	owner   func(T) string
	replace func(ctx context.Context, rows []byte, owners []string) error
	row     func(T) (R, error)
	insert  func(ctx context.Context, rows []R) (int64, error)
}

// writeLinks writes the complete link set of owners. Conversations this
// batch inserted (fresh) have no links yet: theirs are COPYed. The others
// have theirs replaced: upserted, and those missing from links soft-deleted.
func writeLinks[T, R any](ctx context.Context, t linkTable[T, R], links []T, owners []string, fresh map[string]bool) error {
	if replaced := keep(owners, func(id string) bool { return !fresh[id] }); len(replaced) > 0 {
		rows, err := jsonRows(keep(links, func(l T) bool { return !fresh[t.owner(l)] }))
		if err != nil {
			return err
		}
		if err := t.replace(ctx, rows, replaced); err != nil {
			return fmt.Errorf("replace %s of %d conversations: %w", t.name, len(replaced), err)
		}
	}
	var rows []R
	for _, l := range links {
		if !fresh[t.owner(l)] {
			continue
		}
		row, err := t.row(l)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := t.insert(ctx, rows); err != nil {
		return fmt.Errorf("insert %s of new conversations: %w", t.name, err)
	}
	return nil
}

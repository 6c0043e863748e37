package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// WriteOptions tunes WriteBatch.
type WriteOptions struct {
	// UpsertOnly writes every row with the upsert statements. By default,
	// rows the mirror does not hold yet are inserted with COPY instead,
	// which costs PostgreSQL a fraction of an upsert: most rows of a
	// backfill are new. A COPY that meets a row inserted by a concurrent
	// transaction since the lookup fails the transaction with a unique
	// violation (IsInsertRace); the caller then writes the batch again with
	// UpsertOnly, which cannot fail that way.
	UpsertOnly bool
}

// IsInsertRace reports whether err is a unique violation: a row that
// WriteBatch inserted as new was inserted by a concurrent transaction first.
func IsInsertRace(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// WriteBatch stores one page of records inside tx: a few statements per
// table, whatever the page size. Duplicate records within the batch are
// collapsed (the newest copy wins), and links are replaced only for
// conversations whose row was written, so that an older copy changes nothing
// at all.
func WriteBatch(ctx context.Context, tx pgx.Tx, source string, b *record.Batch, opts WriteOptions) (WriteResult, error) {
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

	// written holds the conversations whose rows this batch wrote; fresh
	// those among them it inserted, whose links are then new too.
	written, fresh := map[string]bool{}, map[string]bool{}
	if convs := dedupe(b.Conversations, conversationID, conversationNewer); len(convs) > 0 {
		err := writeRows(ctx, opts, convs, conversationID,
			func(ctx context.Context, ids []string) ([]string, error) {
				return q.ExistingConversations(ctx, dbq.ExistingConversationsParams{Source: source, Ids: ids})
			},
			func(ctx context.Context, convs []record.Conversation) error {
				rows, err := jsonRows(convs)
				if err != nil {
					return err
				}
				out, err := q.UpsertConversations(ctx, dbq.UpsertConversationsParams{Source: source, Rows: rows})
				if err != nil {
					return fmt.Errorf("upsert %d conversations: %w", len(convs), err)
				}
				if len(out) == 0 {
					return nil
				}
				ids := make([]string, len(out))
				for i, row := range out {
					ids[i] = row.ID
				}
				read, err := q.MessagesSyncedFor(ctx, dbq.MessagesSyncedForParams{Source: source, Ids: ids})
				if err != nil {
					return fmt.Errorf("read when %d conversations' messages were read: %w", len(ids), err)
				}
				readFor := make(map[string]time.Time, len(read))
				for _, r := range read {
					readFor[r.ID] = r.SyncedFor
				}
				for _, row := range out {
					wc := WrittenConversation{ID: row.ID, MessagesSyncedFor: readFor[row.ID], MessagesBehind: true}
					if row.ModifiedAt != nil {
						wc.ModifiedAt = *row.ModifiedAt
						wc.MessagesBehind = wc.MessagesSyncedFor.IsZero() || !wc.MessagesSyncedFor.Equal(wc.ModifiedAt)
					}
					written[row.ID] = true
					res.Conversations = append(res.Conversations, wc)
				}
				return nil
			},
			func(ctx context.Context, convs []record.Conversation) error {
				rows := mapRows(convs, func(c record.Conversation) dbq.InsertConversationsParams { return copyConversation(source, c) })
				if _, err := q.InsertConversations(ctx, rows); err != nil {
					return fmt.Errorf("insert %d new conversations: %w", len(rows), err)
				}
				for i, c := range convs {
					wc := WrittenConversation{ID: c.ID, MessagesBehind: true}
					if rows[i].ModifiedAt != nil {
						wc.ModifiedAt = *rows[i].ModifiedAt
					}
					written[c.ID], fresh[c.ID] = true, true
					res.Conversations = append(res.Conversations, wc)
				}
				return nil
			})
		if err != nil {
			return res, err
		}
		res.add("conversations", len(res.Conversations))
		if err := resolveQuarantined(ctx, q, source, record.StreamConversations, convs, conversationID); err != nil {
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
		tags := dedupe(keep(b.Tags, func(t record.Tag) bool { return linkable(t.ConversationID) }),
			func(t record.Tag) string { return t.ConversationID + "\x00" + t.Tag }, nil)
		err := writeLinks(ctx, linkTable[record.Participant, dbq.InsertParticipantsParams]{
			name:  "participants",
			owner: func(p record.Participant) string { return p.ConversationID },
			replace: func(ctx context.Context, rows []byte, owners []string) error {
				return q.ReplaceParticipants(ctx, dbq.ReplaceParticipantsParams{Source: source, Rows: rows, ConversationIds: owners})
			},
			row: func(p record.Participant) (dbq.InsertParticipantsParams, error) {
				return copyParticipant(source, p), nil
			},
			insert: q.InsertParticipants,
		}, participants, owners, fresh)
		if err != nil {
			return res, err
		}
		err = writeLinks(ctx, linkTable[record.Tag, dbq.InsertTagsParams]{
			name:  "tags",
			owner: func(t record.Tag) string { return t.ConversationID },
			replace: func(ctx context.Context, rows []byte, owners []string) error {
				return q.ReplaceTags(ctx, dbq.ReplaceTagsParams{Source: source, Rows: rows, ConversationIds: owners})
			},
			row:    func(t record.Tag) (dbq.InsertTagsParams, error) { return copyTag(source, t), nil },
			insert: q.InsertTags,
		}, tags, owners, fresh)
		if err != nil {
			return res, err
		}
		res.add("conversation_participants", len(participants))
		res.add("conversation_tags", len(tags))
	}

	if owners := filterOwners(b.SLAOf, linkable); len(owners) > 0 {
		summaries := dedupe(keep(b.SLASummaries, func(s record.SLASummary) bool { return linkable(s.ConversationID) }),
			func(s record.SLASummary) string { return s.ConversationID }, nil)
		metrics := dedupe(keep(b.SLAMetrics, func(m record.SLAMetric) bool { return linkable(m.ConversationID) }),
			func(m record.SLAMetric) string { return m.ConversationID + "\x00" + m.Metric }, nil)
		err := writeLinks(ctx, linkTable[record.SLASummary, dbq.InsertSLASummariesParams]{
			name:  "SLA summaries",
			owner: func(s record.SLASummary) string { return s.ConversationID },
			replace: func(ctx context.Context, rows []byte, owners []string) error {
				return q.ReplaceSLASummaries(ctx, dbq.ReplaceSLASummariesParams{Source: source, Rows: rows, ConversationIds: owners})
			},
			row: func(s record.SLASummary) (dbq.InsertSLASummariesParams, error) {
				return copySLASummary(source, s), nil
			},
			insert: q.InsertSLASummaries,
		}, summaries, owners, fresh)
		if err != nil {
			return res, err
		}
		err = writeLinks(ctx, linkTable[record.SLAMetric, dbq.InsertSLAMetricsParams]{
			name:  "SLA metrics",
			owner: func(m record.SLAMetric) string { return m.ConversationID },
			replace: func(ctx context.Context, rows []byte, owners []string) error {
				return q.ReplaceSLAMetrics(ctx, dbq.ReplaceSLAMetricsParams{Source: source, Rows: rows, ConversationIds: owners})
			},
			row:    func(m record.SLAMetric) (dbq.InsertSLAMetricsParams, error) { return copySLAMetric(source, m) },
			insert: q.InsertSLAMetrics,
		}, metrics, owners, fresh)
		if err != nil {
			return res, err
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

	if msgs := dedupe(b.Messages, messageID, messageNewer); len(msgs) > 0 {
		err := writeRows(ctx, opts, msgs, messageID,
			func(ctx context.Context, ids []string) ([]string, error) {
				return q.KnownMessages(ctx, dbq.KnownMessagesParams{Source: source, Ids: ids})
			},
			func(ctx context.Context, msgs []record.Message) error {
				rows, err := jsonRows(msgs)
				if err != nil {
					return err
				}
				ids := mapRows(msgs, messageID)
				if err := q.UpsertMessages(ctx, dbq.UpsertMessagesParams{Source: source, Rows: rows, Ids: ids}); err != nil {
					return fmt.Errorf("upsert %d messages: %w", len(msgs), err)
				}
				return nil
			},
			func(ctx context.Context, msgs []record.Message) error {
				rows := mapRows(msgs, func(m record.Message) dbq.InsertMessagesParams { return copyMessage(source, m) })
				if _, err := q.InsertMessages(ctx, rows); err != nil {
					return fmt.Errorf("insert %d new messages: %w", len(rows), err)
				}
				return nil
			})
		if err != nil {
			return res, err
		}
		res.add("messages", len(msgs))
		if err := resolveQuarantined(ctx, q, source, record.StreamMessages, msgs, messageID); err != nil {
			return res, err
		}
	}
	if atts := dedupe(b.Attachments, func(a record.Attachment) string { return a.ID }, nil); len(atts) > 0 {
		err := writeRows(ctx, opts, atts, func(a record.Attachment) string { return a.ID },
			func(ctx context.Context, ids []string) ([]string, error) {
				return q.KnownAttachments(ctx, dbq.KnownAttachmentsParams{Source: source, Ids: ids})
			},
			func(ctx context.Context, atts []record.Attachment) error {
				rows, err := jsonRows(atts)
				if err != nil {
					return err
				}
				if err := q.UpsertAttachments(ctx, dbq.UpsertAttachmentsParams{Source: source, Rows: rows}); err != nil {
					return fmt.Errorf("upsert %d attachments: %w", len(atts), err)
				}
				return nil
			},
			func(ctx context.Context, atts []record.Attachment) error {
				rows := mapRows(atts, func(a record.Attachment) dbq.InsertAttachmentsParams { return copyAttachment(source, a) })
				if _, err := q.InsertAttachments(ctx, rows); err != nil {
					return fmt.Errorf("insert %d new attachments: %w", len(rows), err)
				}
				return nil
			})
		if err != nil {
			return res, err
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

// writeRows writes items, sorted by key: those the mirror holds (known lists
// them) with upsert, the others with insert, or all with upsert when
// opts.UpsertOnly.
func writeRows[T any](ctx context.Context, opts WriteOptions, items []T, key func(T) string,
	known func(ctx context.Context, ids []string) ([]string, error),
	upsert, insert func(ctx context.Context, items []T) error,
) error {
	if opts.UpsertOnly {
		return upsert(ctx, items)
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = key(it)
	}
	held, err := known(ctx, ids)
	if err != nil {
		return fmt.Errorf("look up %T rows already mirrored: %w", items, err)
	}
	if len(held) > 0 {
		isHeld := make(map[string]bool, len(held))
		for _, id := range held {
			isHeld[id] = true
		}
		if err := upsert(ctx, keep(items, func(it T) bool { return isHeld[key(it)] })); err != nil {
			return err
		}
		items = keep(items, func(it T) bool { return !isHeld[key(it)] })
	}
	if len(items) == 0 {
		return nil
	}
	return insert(ctx, items)
}

// mapRows converts records to the rows of a COPY.
func mapRows[T, R any](items []T, row func(T) R) []R {
	out := make([]R, len(items))
	for i, it := range items {
		out[i] = row(it)
	}
	return out
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

func conversationID(c record.Conversation) string { return c.ID }
func messageID(m record.Message) string           { return m.ID }

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

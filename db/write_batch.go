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
	// HistoryLeft is the state the batch read of a conversation it inserted
	// and whose history it did not write (WriteOptions.LeaveNewHistory): the
	// caller hands it to the conversation's messages job.
	HistoryLeft *record.Observation
}

// WriteResult says what WriteBatch stored.
type WriteResult struct {
	Conversations []WrittenConversation
	// Rows counts the records written to mirrored tables.
	Rows int
	// Tables counts them by table.
	Tables map[string]int
	// SLAOvertaken are the conversations whose SLA, in a batch without
	// conversations (SLA trackers read on their own), another transaction
	// stored or deleted at or after WriteOptions.FetchedAfter. This batch
	// stored its own all the same: nothing dates an SLA, so which copy is
	// newer cannot be told, and the caller reads them again.
	SLAOvertaken []string
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
	// LeaveNewHistory leaves the history of the conversations the batch
	// inserts, whose messages are behind, to the job that reads their
	// messages, which the caller queues in the same transaction with
	// WrittenConversation.HistoryLeft: that job writes the history once,
	// with the timeline's change records, instead of once here and again
	// there. A backfill's listing inserts nearly every conversation it
	// writes.
	LeaveNewHistory bool
	// FetchedAfter is a database time before which nothing of the batch
	// was fetched: for a job, when River handed it over. A conversation,
	// chat, message or attachment marked deleted at or after it stays
	// deleted: this copy may predate what the deletion saw (a read that
	// found a message gone, a get that answered 404), and would bring back
	// for good what is gone at the source. Zero means the transaction's
	// time, as for tests' fixtures.
	FetchedAfter time.Time
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
// at all. Ids and keys are cleaned first, as the rows store them (see
// cleanKeys): the written conversations are named by their cleaned ids.
func WriteBatch(ctx context.Context, tx pgx.Tx, source string, b *record.Batch, opts WriteOptions) (WriteResult, error) {
	w := &batchWriter{
		q: dbq.New(tx), source: source, opts: opts, b: cleanKeys(b),
		written: map[string]bool{}, fresh: map[string]bool{}, historyLeft: map[string]bool{}, upserted: map[string]bool{},
		chatsWritten: map[string]bool{},
	}
	if w.opts.FetchedAfter.IsZero() {
		now, err := w.q.TransactionTime(ctx)
		if err != nil {
			return w.res, fmt.Errorf("read the transaction's time: %w", err)
		}
		w.opts.FetchedAfter = now
	}
	for _, write := range []func(context.Context) error{
		w.users,
		w.conversations,
		w.entriesRead,
		w.history,
		w.participantsAndTags,
		w.sla,
		w.crmLinks,
		w.chats,
		w.chatMembers,
		w.messages,
		w.attachments,
		w.messagesOfConversationsGone,
		w.quarantine,
	} {
		if err := write(ctx); err != nil {
			return w.res, err
		}
	}
	return w.res, nil
}

// batchWriter writes one batch, a table (or a family of link tables) at a
// time; the conversations go first, since their links are written only
// for the conversations whose row was.
type batchWriter struct {
	q      *dbq.Queries
	source string
	opts   WriteOptions
	b      *record.Batch
	res    WriteResult
	// convs are the batch's conversations, one record each; written holds
	// those whose rows this batch wrote, and fresh those among them it
	// inserted, whose links (and history) are then new too; historyLeft
	// holds those whose history is left to their messages job.
	convs                       []record.Conversation
	written, fresh, historyLeft map[string]bool
	// upserted holds the messages the mirror held before, written with the
	// upsert: only those can be deleted ones that stay deleted.
	upserted map[string]bool
	// chatsWritten holds the chats whose rows this batch wrote: only their
	// members are replaced.
	chatsWritten map[string]bool
}

// linkable reports whether the links of a conversation are to be written:
// those of conversations the batch wrote, or, in a batch without
// conversations, all of them (but for the SLA: see slaReplaceable).
func (w *batchWriter) linkable(conversationID string) bool {
	return len(w.b.Conversations) == 0 || w.written[conversationID]
}

// entriesRead takes out of the quarantine, in one statement, the messages
// stream's entries read cleanly: the messages and the entries that are no
// message (EntriesRead). It runs before the history asks whether a
// conversation's timeline has entries in quarantine; the messages it names
// land in this transaction, or nothing does.
func (w *batchWriter) entriesRead(ctx context.Context) error {
	if len(w.b.Messages) == 0 && len(w.b.EntriesRead) == 0 {
		return nil
	}
	ids := slices.Concat(mapRows(w.b.Messages, messageID), w.b.EntriesRead)
	return resolveQuarantined(ctx, w.q, w.source, record.StreamMessages, ids, func(id string) string { return id })
}

func (w *batchWriter) quarantine(ctx context.Context) error {
	quarantined := dedupe(w.b.Quarantined, func(r record.Quarantined) string { return r.Stream + "\x00" + r.RecordID }, nil)
	if len(quarantined) == 0 {
		return nil
	}
	return sendJSON(quarantined, "quarantine records", func(rows []byte) error {
		return w.q.QuarantineRecords(ctx, dbq.QuarantineRecordsParams{Source: w.source, Rows: rows})
	})
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

// copyRows COPYs records into their table, as the rows row makes of them,
// and returns the rows.
func copyRows[T, R any](ctx context.Context, what string, items []T, insert func(context.Context, []R) (int64, error), row func(T) R) ([]R, error) {
	rows := mapRows(items, row)
	if _, err := insert(ctx, rows); err != nil {
		return nil, fmt.Errorf("insert %d new %s: %w", len(rows), what, err)
	}
	return rows, nil
}

// mapRows converts records to the rows of a COPY.
func mapRows[T, R any](items []T, row func(T) R) []R {
	out := make([]R, len(items))
	for i, it := range items {
		out[i] = row(it)
	}
	return out
}

func conversationID(c record.Conversation) string { return c.ID }
func messageID(m record.Message) string           { return m.ID }
func chatID(c record.Chat) string                 { return c.ID }

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

// dedupe keeps one record per key (combine's of the one kept and the next
// when given, else the last one seen) and sorts them by key. A fixed order
// matters: concurrent pages that share rows (the same agent on many
// conversations) then lock them in the same order and cannot deadlock.
func dedupe[T any](items []T, key func(T) string, combine func(kept, next T) T) []T {
	if len(items) == 0 {
		return items
	}
	index := make(map[string]int, len(items))
	out := make([]T, 0, len(items))
	for _, it := range items {
		k := key(it)
		if i, ok := index[k]; ok {
			if combine == nil {
				out[i] = it
			} else {
				out[i] = combine(out[i], it)
			}
			continue
		}
		index[k] = len(out)
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

// newest is a dedupe combine that keeps the newer of two copies by newer
// (the next one when neither is).
func newest[T any](newer func(a, b T) bool) func(kept, next T) T {
	return func(kept, next T) T {
		if newer(kept, next) {
			return kept
		}
		return next
	}
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

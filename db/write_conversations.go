package db

import (
	"context"
	"fmt"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// conversations writes the batch's conversations: those the mirror holds
// with an upsert (an older copy changes nothing), the others with COPY, and
// says of each it wrote whether its messages are behind.
func (w *batchWriter) conversations(ctx context.Context) error {
	convs := dedupe(w.b.Conversations, conversationID, newest(conversationNewer))
	w.convs = convs
	if len(convs) == 0 {
		return nil
	}
	err := writeRows(ctx, w.opts, convs, conversationID,
		func(ctx context.Context, ids []string) ([]string, error) {
			return w.q.ExistingConversations(ctx, dbq.ExistingConversationsParams{Source: w.source, Ids: ids})
		},
		w.upsertConversations, w.insertConversations)
	if err != nil {
		return err
	}
	w.res.add("conversations", len(w.res.Conversations))
	return resolveQuarantined(ctx, w.q, w.source, record.StreamConversations, convs, conversationID)
}

func (w *batchWriter) upsertConversations(ctx context.Context, convs []record.Conversation) error {
	var out []dbq.UpsertConversationsRow
	err := sendJSON(convs, "upsert conversations", func(rows []byte) (err error) {
		out, err = w.q.UpsertConversations(ctx, dbq.UpsertConversationsParams{Source: w.source, Rows: rows, FetchedAfter: w.opts.FetchedAfter})
		return err
	})
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return nil
	}
	ids := make([]string, len(out))
	for i, row := range out {
		ids[i] = row.ID
	}
	read, err := w.q.MessagesSyncedFor(ctx, dbq.MessagesSyncedForParams{Source: w.source, Ids: ids})
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
		w.written[row.ID] = true
		w.res.Conversations = append(w.res.Conversations, wc)
	}
	return nil
}

func (w *batchWriter) insertConversations(ctx context.Context, convs []record.Conversation) error {
	rows, err := copyRows(ctx, "conversations", convs, w.q.InsertConversations,
		func(c record.Conversation) dbq.InsertConversationsParams { return copyConversation(w.source, c) })
	if err != nil {
		return err
	}
	for i, c := range convs {
		wc := WrittenConversation{ID: c.ID, MessagesBehind: true}
		if rows[i].ModifiedAt != nil {
			wc.ModifiedAt = *rows[i].ModifiedAt
		}
		if w.opts.LeaveNewHistory && !c.ModifiedAt.IsZero() {
			// Without a modification time the state is dated by when it
			// was read, which only this transaction knows.
			// Cleaned as the rows are: the state travels in a job's
			// arguments, a jsonb column that refuses NUL.
			wc.HistoryLeft = &record.Observation{ConversationID: c.ID, ModifiedAt: c.ModifiedAt, State: cleanState(c.State())}
			w.historyLeft[c.ID] = true
		}
		w.written[c.ID], w.fresh[c.ID] = true, true
		w.res.Conversations = append(w.res.Conversations, wc)
	}
	return nil
}

// cleanState is s with its text cleaned as the table's rows are (see
// cleanText).
func cleanState(s record.ConversationState) record.ConversationState {
	s.Status, s.NativeStatus, s.Priority, s.SLAStage = cleanText(s.Status), cleanText(s.NativeStatus), cleanText(s.Priority), cleanText(s.SLAStage)
	if s.AssigneeIDs != nil {
		s.AssigneeIDs = cleanTexts(s.AssigneeIDs)
	}
	return s
}

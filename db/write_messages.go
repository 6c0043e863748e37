package db

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// messages writes the batch's messages: those the mirror holds with an
// upsert, which also counts older copies as seen, the others with COPY.
func (w *batchWriter) messages(ctx context.Context) error {
	msgs := dedupe(w.b.Messages, messageID, newest(messageNewer))
	if len(msgs) == 0 {
		return nil
	}
	err := writeRows(ctx, w.opts, msgs, messageID,
		func(ctx context.Context, ids []string) ([]string, error) {
			return w.q.KnownMessages(ctx, dbq.KnownMessagesParams{Source: w.source, Ids: ids})
		},
		func(ctx context.Context, msgs []record.Message) error {
			return sendJSON(msgs, "upsert messages", func(rows []byte) error {
				ids := mapRows(msgs, messageID)
				for _, id := range ids {
					w.upserted[id] = true
				}
				return w.q.UpsertMessages(ctx, dbq.UpsertMessagesParams{Source: w.source, Rows: rows, Ids: ids, FetchedAfter: w.opts.FetchedAfter})
			})
		},
		func(ctx context.Context, msgs []record.Message) error {
			_, err := copyRows(ctx, "messages", msgs, w.q.InsertMessages,
				func(m record.Message) dbq.InsertMessagesParams { return copyMessage(w.source, m) })
			return err
		})
	if err != nil {
		return err
	}
	w.res.add("messages", len(msgs))
	return nil
}

// attachments writes the batch's attachments, as messages are written, and
// deletes those that messages the mirror held no longer list.
func (w *batchWriter) attachments(ctx context.Context) error {
	atts := dedupe(w.b.Attachments, attachmentID, nil)
	if err := w.writeAttachments(ctx, atts); err != nil {
		return err
	}
	return w.deleteAttachmentsNoLongerListed(ctx, atts)
}

func (w *batchWriter) writeAttachments(ctx context.Context, atts []record.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	err := writeRows(ctx, w.opts, atts, attachmentID,
		func(ctx context.Context, ids []string) ([]string, error) {
			return w.q.KnownAttachments(ctx, dbq.KnownAttachmentsParams{Source: w.source, Ids: ids})
		},
		func(ctx context.Context, atts []record.Attachment) error {
			return sendJSON(atts, "upsert attachments", func(rows []byte) error {
				return w.q.UpsertAttachments(ctx, dbq.UpsertAttachmentsParams{Source: w.source, Rows: rows, FetchedAfter: w.opts.FetchedAfter})
			})
		},
		func(ctx context.Context, atts []record.Attachment) error {
			_, err := copyRows(ctx, "attachments", atts, w.q.InsertAttachments,
				func(a record.Attachment) dbq.InsertAttachmentsParams { return copyAttachment(w.source, a) })
			return err
		})
	if err != nil {
		return err
	}
	w.res.add("attachments", len(atts))
	return w.deleteAttachmentsOfDeletedMessages(ctx, atts)
}

// deleteAttachmentsOfDeletedMessages deletes the attachments just written
// whose message stays deleted (see DeleteAttachmentsOfDeletedMessages).
// Only a message the mirror held before can be one: most of a backfill's
// are new, and this costs it nothing.
func (w *batchWriter) deleteAttachmentsOfDeletedMessages(ctx context.Context, atts []record.Attachment) error {
	var ids []string
	for _, a := range atts {
		if w.upserted[a.MessageID] {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := w.q.DeleteAttachmentsOfDeletedMessages(ctx, dbq.DeleteAttachmentsOfDeletedMessagesParams{Source: w.source, Ids: ids}); err != nil {
		return fmt.Errorf("delete the attachments of deleted messages: %w", err)
	}
	return nil
}

// deleteAttachmentsNoLongerListed deletes the attachments of the messages
// just upserted that their copy no longer lists (see
// DeleteAttachmentsNoLongerListed). A message new to the mirror has none yet:
// a backfill's cost nothing.
func (w *batchWriter) deleteAttachmentsNoLongerListed(ctx context.Context, atts []record.Attachment) error {
	if len(w.upserted) == 0 {
		return nil
	}
	msgs := slices.Sorted(maps.Keys(w.upserted))
	listed := mapRows(atts, attachmentID)
	err := w.q.DeleteAttachmentsNoLongerListed(ctx, dbq.DeleteAttachmentsNoLongerListedParams{
		Source: w.source, MessageIds: msgs, FetchedAfter: w.opts.FetchedAfter, ListedIds: listed,
	})
	if err != nil {
		return fmt.Errorf("delete the attachments %d messages no longer list: %w", len(msgs), err)
	}
	return nil
}

func attachmentID(a record.Attachment) string { return a.ID }

// messagesOfConversationsGone deletes the messages this batch stored for
// conversations deleted since the batch was fetched (see
// DeleteMessagesOfConversationsGone).
func (w *batchWriter) messagesOfConversationsGone(ctx context.Context) error {
	if len(w.b.Messages) == 0 {
		return nil
	}
	convs := slices.Compact(slices.Sorted(slices.Values(mapRows(w.b.Messages, func(m record.Message) string { return m.ConversationID }))))
	err := w.q.DeleteMessagesOfConversationsGone(ctx, dbq.DeleteMessagesOfConversationsGoneParams{
		Source: w.source, ConversationIds: convs, FetchedAfter: w.opts.FetchedAfter,
	})
	if err != nil {
		return fmt.Errorf("delete the messages of %d conversations deleted meanwhile: %w", len(convs), err)
	}
	return nil
}

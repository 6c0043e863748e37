package db

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// messages writes the batch's messages: those the mirror holds with an
// upsert, which also counts older copies as seen, the others with COPY.
func (w *batchWriter) messages(ctx context.Context) error {
	msgs := dedupe(w.b.Messages, messageID, messageNewer)
	if len(msgs) == 0 {
		return nil
	}
	err := writeRows(ctx, w.opts, msgs, messageID,
		func(ctx context.Context, ids []string) ([]string, error) {
			return w.q.KnownMessages(ctx, dbq.KnownMessagesParams{Source: w.source, Ids: ids})
		},
		func(ctx context.Context, msgs []record.Message) error {
			rows, err := jsonRows(msgs)
			if err != nil {
				return err
			}
			ids := mapRows(msgs, messageID)
			if err := w.q.UpsertMessages(ctx, dbq.UpsertMessagesParams{Source: w.source, Rows: rows, Ids: ids}); err != nil {
				return fmt.Errorf("upsert %d messages: %w", len(msgs), err)
			}
			return nil
		},
		func(ctx context.Context, msgs []record.Message) error {
			rows := mapRows(msgs, func(m record.Message) dbq.InsertMessagesParams { return copyMessage(w.source, m) })
			if _, err := w.q.InsertMessages(ctx, rows); err != nil {
				return fmt.Errorf("insert %d new messages: %w", len(rows), err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	w.res.add("messages", len(msgs))
	return resolveQuarantined(ctx, w.q, w.source, record.StreamMessages, msgs, messageID)
}

// attachments writes the batch's attachments, as messages are written.
func (w *batchWriter) attachments(ctx context.Context) error {
	atts := dedupe(w.b.Attachments, attachmentID, nil)
	if len(atts) == 0 {
		return nil
	}
	err := writeRows(ctx, w.opts, atts, attachmentID,
		func(ctx context.Context, ids []string) ([]string, error) {
			return w.q.KnownAttachments(ctx, dbq.KnownAttachmentsParams{Source: w.source, Ids: ids})
		},
		func(ctx context.Context, atts []record.Attachment) error {
			rows, err := jsonRows(atts)
			if err != nil {
				return err
			}
			if err := w.q.UpsertAttachments(ctx, dbq.UpsertAttachmentsParams{Source: w.source, Rows: rows}); err != nil {
				return fmt.Errorf("upsert %d attachments: %w", len(atts), err)
			}
			return nil
		},
		func(ctx context.Context, atts []record.Attachment) error {
			rows := mapRows(atts, func(a record.Attachment) dbq.InsertAttachmentsParams { return copyAttachment(w.source, a) })
			if _, err := w.q.InsertAttachments(ctx, rows); err != nil {
				return fmt.Errorf("insert %d new attachments: %w", len(rows), err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	w.res.add("attachments", len(atts))
	return nil
}

func attachmentID(a record.Attachment) string { return a.ID }

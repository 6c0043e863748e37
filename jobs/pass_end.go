package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// passEnd is what the last page of a pass queues besides the children of
// its own conversations: the conversations whose messages are still behind
// (an earlier read failed), those to fetch again (quarantined, or not shown
// by a listing that shows every open one, or by a sweep), and, when the
// pass rechecks them, the open conversations' messages.
type passEnd struct {
	q       *dbq.Queries
	ref     jobRef
	started time.Time // the pass's start
	next    []river.InsertManyParams
	targets []MessageTarget
}

func (e *passEnd) verify(ids []string) {
	for _, id := range ids {
		e.next = append(e.next, insertParams(VerifyConversationArgs{Source: e.ref.source, ConversationID: id, RunID: e.ref.runID}, e.ref))
	}
}

// behindOnMessages queues the conversations whose messages were not read to
// the end for their modification time, a capped batch at a time: the next
// pass takes the rest.
func (e *passEnd) behindOnMessages(ctx context.Context) error {
	behind, err := e.q.ConversationsNeedingMessages(ctx, dbq.ConversationsNeedingMessagesParams{
		Source: e.ref.source, TouchedBefore: e.started, MaxRows: recoveryBatch,
	})
	if err != nil {
		return fmt.Errorf("find conversations behind on messages: %w", err)
	}
	for _, c := range behind {
		e.targets = append(e.targets, messageTarget(c.ID, deref(c.ModifiedAt)))
	}
	return nil
}

// quarantine fetches again, at the end of every pass, the records still in
// quarantine: a vendor may have fixed them, or a newer syncer may decode
// them now. Each is read again the way its stream is read, and nothing
// more: a conversation by a get; a chat by its own job; an SLA tracker by a
// get of its conversation, which queues the tracker with the SLA summary
// the conversation carries (a tracker read without it would store a summary
// without its target time) and reads no message unless the conversation's
// are behind; a message by reading its conversation's whole history again.
// A record without an id (one that failed to decode before its id was
// read) cannot be fetched on its own.
func (e *passEnd) quarantine(ctx context.Context) error {
	open, err := e.q.OpenQuarantine(ctx, dbq.OpenQuarantineParams{Source: e.ref.source, MaxRows: recoveryBatch})
	if err != nil {
		return fmt.Errorf("read quarantine: %w", err)
	}
	var verify, chats []string
	for _, r := range open {
		identified, parent := !strings.HasPrefix(r.RecordID, "unidentified:"), deref(r.ParentID)
		switch {
		case r.Stream == record.StreamConversations && identified:
			verify = append(verify, r.RecordID)
		case r.Stream == record.StreamChats && identified:
			chats = append(chats, r.RecordID)
		case r.Stream == record.StreamSLATrackers && parent != "":
			verify = append(verify, parent)
		case r.Stream == record.StreamMessages && parent != "":
			e.targets = append(e.targets, MessageTarget{ConversationID: parent})
		}
	}
	e.verify(uniqueStrings(verify))
	e.next = append(e.next, chatJobs(e.ref, chats)...)
	return nil
}

// openNotListed fetches again the open conversations that an incremental
// listing of every open one did not show: they were closed or deleted.
func (e *passEnd) openNotListed(ctx context.Context) error {
	closed, err := e.q.OpenConversationsNotListedSince(ctx, dbq.OpenConversationsNotListedSinceParams{
		Source: e.ref.source, ListedBefore: e.started, MaxRows: recoveryBatch,
	})
	if err != nil {
		return fmt.Errorf("find open conversations the pass did not see: %w", err)
	}
	e.verify(closed)
	return nil
}

// notSwept fetches again the conversations a sweep did not list: a get
// that answers 404 marks them deleted.
func (e *passEnd) notSwept(ctx context.Context) error {
	gone, err := e.q.ConversationsNotListedSince(ctx, dbq.ConversationsNotListedSinceParams{Source: e.ref.source, ListedBefore: e.started})
	if err != nil {
		return fmt.Errorf("find conversations the sweep did not see: %w", err)
	}
	e.verify(gone)
	return nil
}

// openToRecheck queues the messages of every open conversation not read
// since the pass began; every one, not a capped batch: nothing marks a
// conversation as rechecked, so a cap would recheck the same ones every
// time.
func (e *passEnd) openToRecheck(ctx context.Context) error {
	for after := ""; ; {
		open, err := e.q.OpenConversationsNotReadSince(ctx, dbq.OpenConversationsNotReadSinceParams{
			Source: e.ref.source, ReadBefore: e.started, AfterID: after, MaxRows: recoveryBatch,
		})
		if err != nil {
			return fmt.Errorf("find open conversations: %w", err)
		}
		for _, c := range open {
			e.targets = append(e.targets, messageTarget(c.ID, deref(c.ModifiedAt)))
		}
		if len(open) < recoveryBatch {
			return nil
		}
		after = open[len(open)-1].ID
	}
}

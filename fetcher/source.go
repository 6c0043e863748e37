package fetcher

import (
	"context"
	"time"

	"github.com/syncerhq/syncer/record"
)

// Source is what the jobs need from a vendor: pages of conversations changed
// since a time, and every page of a conversation's messages. Each vendor
// package implements it; what only some vendors have is an optional
// interface the jobs test for (ChatGetter, SLATrackerGetter, OpenLister).
type Source interface {
	// ListConversations returns one page of conversations modified at or
	// after q.ModifiedSince (all of them when it is zero).
	ListConversations(ctx context.Context, q ConversationQuery) (*ConversationPage, error)
	// GetConversation returns one conversation as a one-record page; one
	// that is gone answers an error for which IsNotFound is true.
	GetConversation(ctx context.Context, id string) (*ConversationPage, error)
	// ListMessages returns one page of a conversation's messages.
	ListMessages(ctx context.Context, q MessageQuery) (*MessagePage, error)
	// Pacer returns the pacer every request to the source goes through.
	Pacer() *Pacer
}

// ChatGetter is implemented by sources whose conversations reference chats
// that are read on their own (DevRev's DMs): ConversationPage.ChatIDs.
type ChatGetter interface {
	// GetChat returns a chat with its members.
	GetChat(ctx context.Context, chatID string) (*record.Batch, error)
}

// SLATrackerGetter is implemented by sources whose conversations carry SLA
// trackers that are read on their own: ConversationPage.SLATrackers.
type SLATrackerGetter interface {
	// GetSLATracker returns a conversation's SLA summary and metrics.
	GetSLATracker(ctx context.Context, ref SLATrackerRef) (*record.Batch, error)
}

// ConversationQuery selects a page of conversations.
type ConversationQuery struct {
	// Cursor is the vendor's cursor from the previous page; empty for the first.
	Cursor string
	// ModifiedSince is the inclusive lower bound of modification times.
	ModifiedSince time.Time
	// Thorough asks an incremental listing to show every change, even where
	// the source's cheap listing could miss some: sources without a change
	// filter (Chatvolt) then list every conversation and compare. Set for
	// one-off syncs and periodically in the daemon.
	Thorough bool
}

// ConversationPage is one page of conversations, normalized.
type ConversationPage struct {
	Batch record.Batch
	// NextCursor continues the listing; empty on the last page. A page may be
	// empty and still have a NextCursor.
	NextCursor string
	// MaxModified is the highest modification time on the page; zero when
	// the page is empty.
	MaxModified time.Time
	// ChatIDs are the chats the page's conversations reference.
	ChatIDs []string
	// SLATrackers are SLA trackers that need a request of their own.
	SLATrackers []SLATrackerRef
	// ListedIDs are conversations the listing showed without a record on
	// the page (unchanged since the mirror's copy): a sweep must not take
	// them for deleted.
	ListedIDs []string
}

// SLATrackerRef names a conversation's SLA tracker to fetch, with the summary
// fields the conversation already carried.
type SLATrackerRef struct {
	ConversationID string             `json:"conversation_id"`
	TrackerID      string             `json:"tracker_id"`
	Summary        *record.SLASummary `json:"summary,omitempty"`
}

// MessageQuery selects a page of a conversation's messages. A read starts at
// the conversation's first message (an empty Cursor) and goes to its last:
// every read is complete, so that what it no longer shows can be taken for
// deleted, and edits at any depth are seen.
type MessageQuery struct {
	ConversationID string
	// Cursor is the vendor's (or the source's own) cursor from the previous
	// page; empty for the first.
	Cursor string
}

// MessagePage is one page of a conversation's messages, normalized.
type MessagePage struct {
	Batch record.Batch
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
	// CoveredFrom, on the last page, says the read could not reach the
	// conversation's first message: only messages created at or after it
	// were read, and older ones are not taken for deleted. Zero: the read
	// covered the whole history (Chatvolt serves the latest 500 only).
	CoveredFrom time.Time
	// Unreliable says the read may have missed messages that exist (a
	// listing whose order the client could not trust, on the last page; a
	// thread it could not read, on any page): none is taken for deleted.
	Unreliable bool
}

// Reconciles reports whether the last page of a read may take the messages
// it did not show for deleted, and from which creation time on (zero: all).
func (p *MessagePage) Reconciles() (from time.Time, ok bool) {
	return p.CoveredFrom, p.NextCursor == "" && !p.Unreliable
}

// OpenLister is implemented by sources whose incremental listing shows every
// open conversation, because their API has no "changed since" filter
// (Chatvolt lists the unresolved ones). An open conversation that such a
// pass did not show has been closed or deleted since: the jobs fetch it
// again.
type OpenLister interface {
	ListsEveryOpenConversation() bool
}

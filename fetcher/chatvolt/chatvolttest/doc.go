// Package chatvolttest is an in-process fake of the Chatvolt REST API, for
// tests. Chatvolt publishes no machine-readable spec: the fake follows what its
// documentation (docs.chatvolt.ai) and the project's provider notes say, and
// where the real behaviour is unknown it lets tests choose (Options.Paging).
//
// It deliberately imports nothing from the rest of syncer: it has its own wire
// structs, so a decoding bug in the real client cannot hide behind a shared
// type.
//
// A Workspace holds one organization's data (NewWorkspace, Generate) and
// changes through mutation methods (AddConversation, AddMessage, SetStatus,
// DeleteConversation, …); Snapshot is what a complete mirror must contain. A
// Server serves a Workspace:
//
//	GET /conversation                        conversation.list
//	GET /conversation/{id}                   conversation.get
//	GET /conversation/{id}/messages/{count}  conversation.messages
//	GET /messages/{id}                       messages.get
//
// The list endpoint's paging is undocumented, so the server speaks either of
// the two plausible dialects (PagingMode): a cursor envelope
// {"conversations":[…],"nextCursor":…} that honours limit and cursor, or a
// plain JSON array of the newest conversations (or, with Options.ListOrder,
// the oldest or the last updated), silently capped, which only its filters
// (createdAt from, endDate to, both inclusive) can narrow, so a client has to
// walk creation-date windows to see everything.
//
// The server reproduces what clients trip over: nullable fields that are
// null, undocumented extra fields, conversations created in the same
// millisecond, messages that only come as "the latest count", rate limiting
// answered alternately with 429 and Laravel's 419 and no Retry-After header,
// and transient 500/503 errors. Every timestamp is ISO 8601 in UTC with
// milliseconds, as JavaScript's Date.toISOString writes it.
package chatvolttest

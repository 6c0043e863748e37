// Package devrevtest is an in-process fake of the DevRev REST API, built from
// the official OpenAPI spec (openapi-beta.yaml). The project's tests serve it
// with httptest; `syncer demo` serves a generated workspace on loopback.
//
// It deliberately imports nothing from the rest of syncer: it has its own wire
// structs, so a decoding bug in the real client cannot hide behind a shared
// type.
//
// A Workspace holds the data (NewWorkspace, Generate) and changes through
// mutation methods (AddConversation, AddComment, SetStage, …); Snapshot is
// what a complete mirror must contain. A Server serves a Workspace:
//
//	conversations.list      cursor, limit, mode, modified_date.after/.before, stage.name
//	conversations.get       id (DON or CONV-n)
//	conversations.create    POST conversations-create-request → 201
//	conversations.delete    POST {"id"} → 200 {}
//	timeline-entries.list   object, cursor, limit, mode, visibility
//	chats.get               id (DON or CHAN-…)
//	sla-trackers.get        id (DON or SLAT-n)
//	webhooks.create         POST webhooks-create-request → 201, after the handshake
//	webhooks.list           → {"webhooks"}
//
// Reads accept GET (query string, dotted names, comma-separated arrays) and
// POST (JSON body). The server reproduces what clients trip over in the real
// API: lists not ordered by date, empty pages that still carry next_cursor,
// optional fields omitted rather than null, undocumented fields, unknown
// timeline entry types, 3/6/9 fractional-second digits, deleted comments
// without a body, per-token rate limits with Retry-After, and transient
// 500/503 errors.
//
// Webhooks: a webhook registered with webhooks.create or Server.AddWebhook
// gets the verify handshake (a signed "verify" event whose challenge it must
// echo; until it does it stays unverified and gets nothing), then an event
// for each mutation: conversation_created, conversation_updated and
// conversation_deleted, timeline_entry_created, _updated (edited or deleted
// comments) and _deleted (removed ones), and sla_tracker_updated when
// resolving completes an SLA. A comment also sends conversation_updated
// while comments bump their conversation. Events carry the REST shape, a
// wall-clock timestamp and X-DevRev-Signature (hex HMAC-SHA256 of the body);
// deliveries are concurrent, may be delayed, duplicated and retried
// (Options.Webhook…), and Server.WaitWebhooks waits for them.
package devrevtest

// Package chatwoot reads a Chatwoot account through the Application API (or
// one contact's conversations through the public client API) and turns
// Chatwoot's wire format into syncer's records.
//
// Chatwoot's quirks shape it: the conversation list defaults to open
// conversations only (syncer asks for all), pages are numbered 25 at a time,
// the only change filter is updated_within (seconds, unpaginated),
// conversation ids are per-account display ids, updated_at is a float of unix
// seconds while other timestamps are integers, message_type is an integer,
// and messages have no update time: edits and deletions are only seen by
// reading the messages again.
package chatwoot

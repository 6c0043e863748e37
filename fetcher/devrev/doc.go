// Package devrev reads a DevRev workspace: conversations, their full timeline
// of comments, SLA trackers, chats and the users they mention, and turns
// DevRev's wire format into syncer's records.
//
// DevRev omits unset fields instead of sending null, adds fields its spec does
// not list, and writes timestamps with 3, 6 or 9 fractional digits; decoding
// is lenient about all of it, and each record keeps its raw JSON. A record
// that cannot be decoded is quarantined alone; the rest of its page lands.
package devrev

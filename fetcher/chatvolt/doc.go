// Package chatvolt reads a Chatvolt organization: its conversations with
// their assignees, contacts, tags and CRM scenario links, and their messages,
// and turns Chatvolt's wire format into syncer's records. The source is
// enabled by CHATVOLT_API_KEY (sent as "Authorization: Bearer <key>") with
// CHATVOLT_API_URL, which defaults to DefaultBaseURL.
//
// Chatvolt publishes no spec, and much of its API is undocumented; the client
// copes with each unknown instead of assuming:
//
//   - Paging of GET /conversation: the client detects at run time whether the
//     server pages by cursor or answers a capped plain array, and in the
//     latter case walks creation-date windows until every window is proven
//     complete (paging.go). Its NextCursor is its own opaque state.
//   - Changes: there is no updatedAt filter. An incremental pass lists the
//     conversations created recently and every unresolved one, and reads in
//     detail (GET /conversation/{id}) only those whose updatedAt is newer
//     than the mirror's (Config.ModifiedAtFunc); the others yield no record.
//   - Messages: only "the latest count" can be read, with no documented
//     maximum. The client asks for MaxMessages in one request; an answer
//     that long, or as long as the longest seen (a server may serve fewer
//     without saying so), may lack older messages, which are then neither
//     read nor taken for deleted.
//   - Rate limits: 429 and 419 both mean "slow down", with no Retry-After;
//     the source's pacer learns a safe rate from the throttles (see
//     fetcher.Pacer).
//
// Chatvolt's "agent" messages are the AI agent's (author type bot) unless an
// operator wrote them (agent); "human" messages are the customer's (contact).
// Statuses map UNRESOLVED to open, HUMAN_REQUESTED to pending and RESOLVED to
// resolved; native_status keeps Chatvolt's. Chatvolt has no chats and no SLA.
//
// Decoding is lenient: nullable fields may be null or missing, timestamps
// have milliseconds or not, unknown fields are ignored, and each record keeps
// its raw JSON (variables, contexts, metadata and CRM links live there). A
// record that cannot be decoded is quarantined alone; the rest of its page
// lands.
package chatvolt

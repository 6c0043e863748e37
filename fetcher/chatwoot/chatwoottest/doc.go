// Package chatwoottest is an in-process fake of Chatwoot's Application API
// (and of the public client API for API-channel inboxes), built from the
// official swagger files (application_swagger.json, client_swagger.json) and
// from Chatwoot's finders and jbuilder views where the swagger is silent. The
// project's tests serve it with httptest; benchmarks and demos can serve
// Handler on any listener.
//
// It deliberately imports nothing from the rest of syncer: it has its own wire
// structs, so a decoding bug in the real client cannot hide behind a shared
// type.
//
// A Workspace is one Chatwoot account (NewWorkspace, Generate) and changes
// through mutation methods (AddConversation, AddMessage, EditMessage,
// DeleteMessage, SetStatus, DeleteConversation); Snapshot is what a complete
// mirror must contain. A Server serves a Workspace, read-only but for its
// webhooks (other methods and paths get 404 {"error":"Resource could not be
// found"}):
//
//	conversations.list      GET /api/v1/accounts/{account_id}/conversations
//	                        status (default open), assignee_type, inbox_id,
//	                        team_id, labels[], sort_by, page (25 a page,
//	                        Options.ConversationsPerPage on a self-hosted
//	                        server), updated_within (seconds; unpaginated)
//	conversations.get       GET /api/v1/accounts/{account_id}/conversations/{id}
//	conversations.messages  GET …/conversations/{id}/messages  (latest 20,
//	                        before= 20 older, after= up to 100 newer;
//	                        Options.MessagesIgnoreAfter ignores after=, as
//	                        Chatwoot did before 2022)
//	contacts.list           GET /api/v1/accounts/{account_id}/contacts (15 a page)
//	agents.list             GET /api/v1/accounts/{account_id}/agents
//	public.conversations    GET /public/api/v1/inboxes/{inbox_identifier}/
//	                        contacts/{contact_identifier}/conversations
//	public.messages         GET …/conversations/{id}/messages
//	webhooks.list           GET /api/v1/accounts/{account_id}/webhooks
//	webhooks.create         POST /api/v1/accounts/{account_id}/webhooks
//	                        {url, name?, subscriptions?}
//
// The server reproduces what clients trip over in the real API: the list's
// default status is open, not all; pages are numbered and a page past the end
// is empty; updated_within ignores page; conversation ids are per-account
// display ids; updated_at is a float of unix seconds while every other
// timestamp is an integer (and snoozed_until and the messages meta are ISO
// strings); message_type is an integer; content may be null; deleted messages
// keep their row; the conversation embeds only its last message; anonymous
// website visitors never appear in the contacts list; the contacts meta's
// current_page is a string when page was given and a number otherwise; some
// conversations carry undocumented fields; Enterprise accounts add
// applied_sla and sla_events. Faults: 401 without the api_access_token
// header, rack-attack's 429 (text/plain "Retry later", no Retry-After, fixed
// windows aligned to the wall clock), and transient 500/502/503.
//
// Time is simulated. The workspace clock (Workspace.Now) starts at the
// configured start and every mutation advances it by a little over a second;
// updated_within is measured back from that clock, not from time.Now, so a
// test controls exactly which conversations fall in the window. Only the
// rate-limit windows use the wall clock (Options.NowFunc).
//
// Webhooks: an account webhook registered through the API or
// Server.AddWebhook gets, for the events it subscribes to,
// conversation_created (AddConversation, with a message_created for the
// first message), message_created (not for activity messages; private notes
// are sent), message_updated (edits and deletes),
// conversation_status_changed then conversation_updated (SetStatus, and an
// incoming message that reopens a conversation). Removing a message or a
// conversation sends nothing, as in Chatwoot. Bodies are the models'
// webhook_data, signed as 4.12+ signs them (X-Chatwoot-Timestamp and
// X-Chatwoot-Signature over "<timestamp>.<body>"; Options.WebhookUnsigned
// for older versions); deliveries are concurrent, may be delayed or
// duplicated, and are never retried unless Options.WebhookRetryDelays says
// so. Server.WaitWebhooks waits for them.
package chatwoottest

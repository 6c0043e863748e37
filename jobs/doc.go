// Package jobs drives syncing with River: one job per page of a stream, whose
// rows, checkpoint and follow-up jobs commit in one transaction.
//
// A pass over a source starts with StartPass, which records the pass in
// sync_state and queues the first conversations page. Each conversations page
// queues the next page and the children of the conversations that changed
// (their messages, chats and SLA trackers); a messages page queues the
// conversation's next messages page. When the last conversations page lands,
// the watermark moves to the highest modification time seen in the pass.
//
// Because every step commits atomically with the job that did it, a crash at
// any point loses nothing and repeats nothing but the page in flight, which is
// idempotent.
package jobs

package db

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/syncerhq/syncer/record"
)

// cleanKeys returns b with every id and key cleaned as the rows store them
// (see cleanText). The rows' text is cleaned on its way in, but ids also
// travel as text[] parameters (ExistingConversations, KnownMessages,
// ResolveQuarantined…), which PostgreSQL refuses with a NUL in them
// ("invalid byte sequence", 22021): one such id would fail its page on every
// retry. Cleaning them once, before anything is deduplicated, also makes
// keys that differ only by a NUL ("vip" and "vip\x00") one key, instead of
// two rows that collide once stored. b itself is left as it is: the caller
// may still use it, and ids are nearly always clean, so a slice is copied
// only when one of its records needs cleaning.
func cleanKeys(b *record.Batch) *record.Batch {
	c := *b
	c.Conversations = cleanEach(c.Conversations, func(r *record.Conversation) bool { return cleanFields(&r.ID) })
	c.Messages = cleanEach(c.Messages, func(r *record.Message) bool { return cleanFields(&r.ID, &r.ConversationID) })
	c.Users = cleanEach(c.Users, func(r *record.User) bool { return cleanFields(&r.ID) })
	c.Participants = cleanEach(c.Participants, func(r *record.Participant) bool {
		return cleanFields(&r.ConversationID, &r.UserID, &r.Role)
	})
	c.Tags = cleanEach(c.Tags, func(r *record.Tag) bool { return cleanFields(&r.ConversationID, &r.Tag) })
	c.Chats = cleanEach(c.Chats, func(r *record.Chat) bool { return cleanFields(&r.ID) })
	c.ChatMembers = cleanEach(c.ChatMembers, func(r *record.ChatMember) bool { return cleanFields(&r.ChatID, &r.UserID) })
	c.Attachments = cleanEach(c.Attachments, func(r *record.Attachment) bool { return cleanFields(&r.ID, &r.MessageID) })
	c.Quarantined = cleanEach(c.Quarantined, func(r *record.Quarantined) bool {
		return cleanFields(&r.Stream, &r.RecordID, &r.ParentID)
	})
	c.SLASummaries = cleanEach(c.SLASummaries, func(r *record.SLASummary) bool { return cleanFields(&r.ConversationID) })
	c.SLAMetrics = cleanEach(c.SLAMetrics, func(r *record.SLAMetric) bool { return cleanFields(&r.ConversationID, &r.Metric) })
	c.CRMLinks = cleanEach(c.CRMLinks, func(r *record.CRMScenarioLink) bool {
		return cleanFields(&r.ConversationID, &r.ScenarioID)
	})
	c.Changes = cleanEach(c.Changes, func(r *record.ConversationChange) bool { return cleanFields(&r.ConversationID) })
	c.Observations = cleanEach(c.Observations, func(r *record.Observation) bool { return cleanFields(&r.ConversationID) })
	for _, ids := range []*[]string{&c.ParticipantsOf, &c.SLAOf, &c.MembersOf, &c.CRMLinksOf, &c.ChangesCompleteFor, &c.EntriesRead} {
		*ids = cleanEach(*ids, func(id *string) bool { return cleanFields(id) })
	}
	return &c
}

// cleanEach returns items with clean applied to each, which reports whether
// it changed the record: items itself when none changed, else a copy.
func cleanEach[T any](items []T, clean func(*T) bool) []T {
	var out []T
	for i := range items {
		it := items[i]
		if !clean(&it) {
			continue
		}
		if out == nil {
			out = slices.Clone(items)
		}
		out[i] = it
	}
	if out == nil {
		return items
	}
	return out
}

// cleanFields cleans each of fields in place (see cleanText) and reports
// whether any changed. The check costs a byte search and a UTF-8
// validation, both vectorized or nearly, for the clean ids of a page.
func cleanFields(fields ...*string) bool {
	changed := false
	for _, f := range fields {
		if strings.IndexByte(*f, 0) < 0 && utf8.ValidString(*f) {
			continue
		}
		*f = cleanText(*f)
		changed = true
	}
	return changed
}

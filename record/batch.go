package record

// Batch is everything one fetched page yields, written in one transaction.
//
// The link sets are complete for their owners: ParticipantsOf lists the
// conversations whose participants, tags, SLA summary and SLA metrics are given
// in full (links of those conversations missing from the batch are
// soft-deleted); MembersOf does the same for chats. Owners not listed keep
// their links untouched.
type Batch struct {
	Conversations []Conversation
	Messages      []Message
	Users         []User
	Participants  []Participant
	Tags          []Tag
	Chats         []Chat
	ChatMembers   []ChatMember
	Attachments   []Attachment
	Quarantined   []Quarantined

	// ParticipantsOf names the conversations whose participants and tags are
	// complete in this batch.
	ParticipantsOf []string

	SLASummaries []SLASummary
	SLAMetrics   []SLAMetric
	// SLAOf names the conversations whose SLA summary and metrics are complete
	// in this batch (none given means the conversation has no SLA).
	SLAOf []string

	// MembersOf names the chats whose members are complete in this batch.
	MembersOf []string

	CRMLinks []CRMScenarioLink
	// CRMLinksOf names the conversations whose CRM links are complete in
	// this batch.
	CRMLinksOf []string

	// Changes are the vendor's own records of changes to conversations'
	// tracked fields (see ConversationChange).
	Changes []ConversationChange
	// ChangesCompleteFor names the conversations whose change records, with
	// those of earlier batches, are now complete since the conversation's
	// creation (the last page of a whole DevRev timeline): their history
	// then starts at created_at.
	ChangesCompleteFor []string

	// Observations are conversations' states as a listing read them, which
	// the listing left for the conversation's messages job to merge into its
	// history (see Observation).
	Observations []Observation

	// EntriesRead are the ids of the messages stream's entries read cleanly
	// that are no message (a DevRev timeline's change events): one of them in
	// quarantine leaves it, as a message that lands does.
	EntriesRead []string
}

// Rows counts the records of the batch that land in mirrored tables.
func (b *Batch) Rows() int {
	return len(b.Conversations) + len(b.Messages) + len(b.Users) + len(b.Participants) +
		len(b.Tags) + len(b.Chats) + len(b.ChatMembers) + len(b.Attachments) +
		len(b.SLASummaries) + len(b.SLAMetrics) + len(b.CRMLinks)
}

// Merge appends other's records to b.
func (b *Batch) Merge(other *Batch) {
	b.Conversations = append(b.Conversations, other.Conversations...)
	b.Messages = append(b.Messages, other.Messages...)
	b.Users = append(b.Users, other.Users...)
	b.Participants = append(b.Participants, other.Participants...)
	b.Tags = append(b.Tags, other.Tags...)
	b.Chats = append(b.Chats, other.Chats...)
	b.ChatMembers = append(b.ChatMembers, other.ChatMembers...)
	b.Attachments = append(b.Attachments, other.Attachments...)
	b.Quarantined = append(b.Quarantined, other.Quarantined...)
	b.ParticipantsOf = append(b.ParticipantsOf, other.ParticipantsOf...)
	b.SLASummaries = append(b.SLASummaries, other.SLASummaries...)
	b.SLAMetrics = append(b.SLAMetrics, other.SLAMetrics...)
	b.SLAOf = append(b.SLAOf, other.SLAOf...)
	b.MembersOf = append(b.MembersOf, other.MembersOf...)
	b.CRMLinks = append(b.CRMLinks, other.CRMLinks...)
	b.CRMLinksOf = append(b.CRMLinksOf, other.CRMLinksOf...)
	b.Changes = append(b.Changes, other.Changes...)
	b.ChangesCompleteFor = append(b.ChangesCompleteFor, other.ChangesCompleteFor...)
	b.Observations = append(b.Observations, other.Observations...)
	b.EntriesRead = append(b.EntriesRead, other.EntriesRead...)
}

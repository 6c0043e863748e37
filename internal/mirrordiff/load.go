package mirrordiff

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/db/dbq"
)

// Mirror is the live rows of one source, indexed the way the per-vendor
// checkers compare them with their fakes.
type Mirror struct {
	Convs        []dbq.LiveConversationsRow
	Messages     map[string][]dbq.LiveMessagesRow // by conversation
	Attachments  map[string][]dbq.LiveAttachmentsRow
	Participants map[string][]string // "conversation/role" → user ids
	Tags         map[string]map[string]string
	Summaries    map[string]dbq.LiveSLASummariesRow
	Metrics      map[string][]dbq.LiveSLAMetricsRow
	Chats        map[string]dbq.LiveChatsRow
	ChatMembers  map[string][]string
	Users        map[string]dbq.LiveUsersRow
	CRMLinks     map[string][]dbq.LiveCRMLinksRow
}

// Load reads the live rows of source.
func Load(ctx context.Context, q *dbq.Queries, source string) (*Mirror, error) {
	m := &Mirror{CRMLinks: map[string][]dbq.LiveCRMLinksRow{},
		Messages: map[string][]dbq.LiveMessagesRow{}, Attachments: map[string][]dbq.LiveAttachmentsRow{},
		Participants: map[string][]string{}, Tags: map[string]map[string]string{},
		Summaries: map[string]dbq.LiveSLASummariesRow{}, Metrics: map[string][]dbq.LiveSLAMetricsRow{},
		Chats: map[string]dbq.LiveChatsRow{}, ChatMembers: map[string][]string{}, Users: map[string]dbq.LiveUsersRow{},
	}
	var err error
	if m.Convs, err = q.LiveConversations(ctx, source); err != nil {
		return nil, fmt.Errorf("read conversations: %w", err)
	}
	msgs, err := q.LiveMessages(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	for _, msg := range msgs {
		m.Messages[msg.ConversationID] = append(m.Messages[msg.ConversationID], msg)
	}
	atts, err := q.LiveAttachments(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	for _, a := range atts {
		m.Attachments[a.MessageID] = append(m.Attachments[a.MessageID], a)
	}
	parts, err := q.LiveParticipants(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read participants: %w", err)
	}
	for _, p := range parts {
		k := p.ConversationID + "/" + p.Role
		m.Participants[k] = append(m.Participants[k], p.UserID)
	}
	tags, err := q.LiveTags(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read tags: %w", err)
	}
	for _, t := range tags {
		if m.Tags[t.ConversationID] == nil {
			m.Tags[t.ConversationID] = map[string]string{}
		}
		m.Tags[t.ConversationID][t.Tag] = Str(t.Value)
	}
	sums, err := q.LiveSLASummaries(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read SLA summaries: %w", err)
	}
	for _, s := range sums {
		m.Summaries[s.ConversationID] = s
	}
	metrics, err := q.LiveSLAMetrics(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read SLA metrics: %w", err)
	}
	for _, mt := range metrics {
		m.Metrics[mt.ConversationID] = append(m.Metrics[mt.ConversationID], mt)
	}
	chats, err := q.LiveChats(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read chats: %w", err)
	}
	for _, c := range chats {
		m.Chats[c.ID] = c
	}
	members, err := q.LiveChatMembers(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read chat members: %w", err)
	}
	for _, cm := range members {
		m.ChatMembers[cm.ChatID] = append(m.ChatMembers[cm.ChatID], cm.UserID)
	}
	users, err := q.LiveUsers(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	for _, u := range users {
		m.Users[u.ID] = u
	}
	crm, err := q.LiveCRMLinks(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read CRM links: %w", err)
	}
	for _, l := range crm {
		m.CRMLinks[l.ConversationID] = append(m.CRMLinks[l.ConversationID], l)
	}
	return m, nil
}

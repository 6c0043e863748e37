package analytics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
)

// TestChatvoltMatchesReference checks every view on a generated Chatvolt
// organization, where the AI agent's messages are a bot's and an operator's
// an agent's, against the reference.
func TestChatvoltMatchesReference(t *testing.T) {
	t.Parallel()

	ws := chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: 5, Conversations: 60, MessagesPerConversation: 8, Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	})
	// Only the AI agent answered; the conversation is resolved.
	botOnly := ws.AddConversation("Where is my parcel?")
	ws.AddMessage(botOnly, "Where is my parcel?", "human")
	ws.AddMessage(botOnly, "It left the warehouse this morning.", "agent")
	ws.SetStatus(botOnly, "RESOLVED")
	resolvedAt := ws.Now()

	m := newMirror(t, chatvoltSource("chatvolt", ws))

	convs := chatvoltReference(ws.Snapshot())
	requireChatvoltCoverage(t, convs)
	// Operators' names come from the mirror: the snapshot names only
	// assignees.
	names := map[string]string{}
	type user struct {
		ID   string `db:"id"`
		Name string `db:"display_name"`
	}
	for _, u := range rows[user](t, m, "SELECT id, display_name FROM users WHERE source = 'chatvolt' AND display_name IS NOT NULL") {
		names[u.ID] = u.Name
	}
	checkReference(t, m, "chatvolt", convs, names)

	var got metricsRow
	for _, r := range rows[metricsRow](t, m, metricsSQL, "chatvolt") {
		if r.ID == botOnly {
			got = r
		}
	}
	require.Equal(t, int64(1), got.BotMessages)
	require.Zero(t, got.AgentMessages)
	require.Nil(t, got.FirstAgentReplyAt, "a bot's answer is not a first response")
	require.Equal(t, ptr(resolvedAt), got.ResolvedAt)
}

// chatvoltReference maps a Chatvolt snapshot as the Chatvolt normalizer does.
func chatvoltReference(snap chatvolttest.Snapshot) []refConv {
	statuses := map[string]string{"RESOLVED": "resolved", "UNRESOLVED": "open", "HUMAN_REQUESTED": "pending"}
	var convs []refConv
	for _, c := range snap.Conversations {
		rc := refConv{id: c.ID, status: statuses[c.Status], channel: c.Channel, created: c.CreatedAt, modified: c.UpdatedAt}
		for _, msg := range c.Messages {
			// Chatvolt always sends text: every message has a body and is public.
			rm := refMsg{id: msg.ID, public: true, hasBody: true, created: msg.CreatedAt}
			switch {
			case msg.From == "human":
				rm.authorType = "contact"
				rm.authorID = firstNonEmpty(msg.ContactID, msg.VisitorID, msg.UserID)
			case msg.From == "agent" && msg.UserID != "":
				rm.authorType, rm.authorID = "agent", msg.UserID
			case msg.From == "agent":
				rm.authorType, rm.authorID = "bot", msg.AgentID
			}
			rc.msgs = append(rc.msgs, rm)
		}
		convs = append(convs, rc)
	}
	return convs
}

func requireChatvoltCoverage(t *testing.T, convs []refConv) {
	t.Helper()
	authors := map[string]bool{}
	for _, c := range convs {
		for _, m := range c.msgs {
			authors[m.authorType] = true
		}
	}
	require.True(t, authors["contact"] && authors["agent"] && authors["bot"], "authors: %v", authors)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

package chatwoot

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/normalizetest"
	"github.com/syncerhq/syncer/record"
)

func TestNormalizeConversation(t *testing.T) {
	t.Parallel()

	t.Run("FullRecord", func(t *testing.T) {
		t.Parallel()
		page := normalizetest.Page(addConversation, `{"id":42,"status":"snoozed","priority":"urgent","labels":["billing","vip"],
			"created_at":1700000000,"updated_at":1700000100.123456,"last_activity_at":1700000090,
			"meta":{"channel":"Channel::WebWidget","sender":{"id":5,"name":"Ann","email":"ann@example.com","type":"contact"},
				"assignee":{"id":3,"name":"Bo","available_name":"Bo B","email":"bo@example.com","availability_status":"online"}},
			"applied_sla":{"sla_status":"active_with_misses","sla_name":"Gold","sla_first_response_time_threshold":3600,"sla_resolution_time_threshold":null},
			"sla_events":[{"event_type":"frt","created_at":1700003600},{"event_type":"rt","created_at":1700009000}],
			"captain_state":"new-field"}`)
		require.Empty(t, page.Batch.Quarantined)
		c := page.Batch.Conversations[0]
		require.Equal(t, "42", c.ID)
		require.Equal(t, record.StatusSnoozed, c.Status)
		require.Equal(t, "urgent", c.Priority)
		require.Equal(t, "web_widget", c.Channel)
		require.Equal(t, time.Unix(1700000100, 123456000).UTC(), c.ModifiedAt, "float seconds to microseconds")
		require.ElementsMatch(t, []record.Participant{
			{ConversationID: "42", UserID: "contact:5", Role: record.RoleMember},
			{ConversationID: "42", UserID: "agent:3", Role: record.RoleAssignee},
		}, page.Batch.Participants)
		require.Len(t, page.Batch.Tags, 2)
		require.Equal(t, "Gold", page.Batch.SLASummaries[0].SLAName)
		metrics := map[string]record.SLAMetric{}
		for _, m := range page.Batch.SLAMetrics {
			metrics[m.Metric] = m
		}
		require.Len(t, metrics, 2, "frt has a threshold; rt has an event")
		require.Equal(t, time.Unix(1700003600, 0).UTC(), metrics["first_response_time"].TargetTime)
		require.Equal(t, time.Unix(1700003600, 0).UTC(), metrics["first_response_time"].BreachedAt)
		require.Equal(t, "missed", metrics["resolution_time"].Status)
	})

	// A conversation an agent bot owns (Chatwoot 4.x since mid-2026): its
	// assignee is the bot, whose id is not an agent's.
	t.Run("AssignedToAnAgentBot", func(t *testing.T) {
		t.Parallel()
		for name, meta := range map[string]string{
			"SaidInTheMeta":     `{"assignee":{"id":3,"name":"Support Bot","bot_type":"webhook"},"assignee_type":"AgentBot"}`,
			"SaidInTheAssignee": `{"assignee":{"id":3,"name":"Support Bot","bot_type":"webhook","assignee_type":"AgentBot"}}`,
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				page := normalizetest.Page(addConversation, `{"id":42,"status":"open","created_at":1700000000,"updated_at":1700000100,"meta":`+meta+`}`)
				require.Equal(t, []string{"bot:3"}, page.Batch.Conversations[0].AssigneeIDs)
				require.Equal(t, []record.Participant{{ConversationID: "42", UserID: "bot:3", Role: record.RoleAssignee}}, page.Batch.Participants)
				require.Equal(t, "bot", page.Batch.Users[0].Type)
			})
		}
	})

	// Chatwoot writes an SLA event only when a target is missed, meets the
	// first response when the first reply comes before its target, and
	// settles the SLA when the conversation is resolved: hit, or missed when
	// any target was. A metric without an event is then met, whatever the
	// SLA's status (Sla::EvaluateAppliedSlaService).
	t.Run("MetricsMetAsChatwootSettlesThem", func(t *testing.T) {
		t.Parallel()
		metrics := func(t *testing.T, firstReply int, status string) map[string]record.SLAMetric {
			page := normalizetest.Page(addConversation, fmt.Sprintf(`{"id":7,"status":"resolved","created_at":1700000000,"updated_at":1700020000,
				"first_reply_created_at":%d,
				"applied_sla":{"sla_status":%q,"sla_name":"Gold","updated_at":1700020000,"sla_first_response_time_threshold":3600.0,
					"sla_next_response_time_threshold":7200.0,"sla_resolution_time_threshold":86400.0},
				"sla_events":[{"id":1,"event_type":"frt","meta":{},"created_at":1700003900}]}`, firstReply, status))
			require.Empty(t, page.Batch.Quarantined)
			byName := map[string]record.SLAMetric{}
			for _, m := range page.Batch.SLAMetrics {
				byName[m.Metric] = m
			}
			require.Len(t, byName, 3)
			return byName
		}
		settled := time.Unix(1700020000, 0).UTC()

		m := metrics(t, 1700004000, "missed")
		require.Equal(t, "missed", m["first_response_time"].Status)
		require.Equal(t, time.Unix(1700003900, 0).UTC(), m["first_response_time"].BreachedAt)
		for _, name := range []string{"next_response_time", "resolution_time"} {
			require.Equal(t, "hit", m[name].Status, name)
			require.Equal(t, "completed", m[name].Stage, name)
		}
		require.Equal(t, settled, m["next_response_time"].CompletedAt, "dated by the settlement: it has no target")
		require.True(t, m["resolution_time"].CompletedAt.IsZero(), "dated by its target")
		require.Contains(t, string(m["next_response_time"].Raw), `"meta":{}`, "the SLA's raw record is Chatwoot's own")

		// Resolved before its first response was due, with no reply: met,
		// with no reply time to show (the views' vendor_first_reply_at
		// falls back to this metric's completed_at).
		page := normalizetest.Page(addConversation, `{"id":9,"status":"resolved","created_at":1700000000,"updated_at":1700001000,
			"first_reply_created_at":0,
			"applied_sla":{"sla_status":"hit","updated_at":1700001000,"sla_first_response_time_threshold":3600},"sla_events":[]}`)
		require.Len(t, page.Batch.SLAMetrics, 1)
		require.Equal(t, "hit", page.Batch.SLAMetrics[0].Status)
		require.True(t, page.Batch.SLAMetrics[0].CompletedAt.IsZero())

		// Still running: the first response met by a reply in time, the
		// others pending.
		m = metrics(t, 1700001000, "active")
		require.Equal(t, "missed", m["first_response_time"].Status, "an event is a miss, whatever the reply")
		m = metrics(t, 0, "active")
		require.Equal(t, "missed", m["first_response_time"].Status)
		require.Equal(t, "active", m["next_response_time"].Status)
		require.True(t, m["next_response_time"].CompletedAt.IsZero())

		page = normalizetest.Page(addConversation, `{"id":8,"status":"open","created_at":1700000000,"updated_at":1700001000,
			"first_reply_created_at":1700001000,
			"applied_sla":{"sla_status":"active","sla_first_response_time_threshold":3600,"sla_resolution_time_threshold":86400},"sla_events":[]}`)
		require.Len(t, page.Batch.SLAMetrics, 2)
		for _, m := range page.Batch.SLAMetrics {
			if m.Metric == "first_response_time" {
				require.Equal(t, "hit", m.Status)
				require.Equal(t, time.Unix(1700001000, 0).UTC(), m.CompletedAt)
			} else {
				require.Equal(t, "active", m.Status, m.Metric)
			}
		}
	})

	t.Run("NoSLAOutsideEnterprise", func(t *testing.T) {
		t.Parallel()
		page := normalizetest.Page(addConversation, `{"id":1,"status":"open","created_at":1700000000,"updated_at":1700000000}`)
		require.Equal(t, []string{"1"}, page.Batch.SLAOf)
		require.Empty(t, page.Batch.SLASummaries)
	})

	t.Run("BadRecordsAreQuarantined", func(t *testing.T) {
		t.Parallel()
		page := normalizetest.Page(addConversation,
			`{"id":1,"updated_at":"yesterday"}`,
			`{"id":2,"updated_at":99999999999}`,
			`{"status":"open"}`,
			`{"id":3,"updated_at":1700000000}`,
		)
		require.Len(t, page.Batch.Conversations, 1)
		normalizetest.RequireQuarantined(t, page.Batch.Quarantined, record.StreamConversations,
			normalizetest.Quarantined{ID: "1", Error: `timestamp "yesterday"`},
			normalizetest.Quarantined{ID: "2", Error: "out of range"},
			normalizetest.Quarantined{ID: normalizetest.Unidentified, Error: "no id"},
		)
	})
}

func TestNormalizeMessage(t *testing.T) {
	t.Parallel()

	normalize := func(t *testing.T, raw string) record.Message {
		t.Helper()
		b := &record.Batch{}
		addMessage("9", json.RawMessage(raw), b)
		require.Empty(t, b.Quarantined)
		require.Len(t, b.Messages, 1)
		return b.Messages[0]
	}

	for _, tc := range []struct {
		name, raw, author, visibility string
	}{
		{"Incoming", `{"id":1,"message_type":0,"content":"hi","sender":{"id":5,"type":"contact"}}`, "contact", "public"},
		{"OutgoingByAgent", `{"id":2,"message_type":1,"content":"hello","sender":{"id":3,"type":"user"}}`, "agent", "public"},
		{"OutgoingByBot", `{"id":3,"message_type":1,"content":"auto","sender":{"id":1,"type":"agent_bot"}}`, "bot", "public"},
		{"OutgoingByCaptain", `{"id":9,"message_type":1,"content":"auto","sender":{"id":2,"type":"captain_assistant"}}`, "bot", "public"},
		{"PrivateNote", `{"id":4,"message_type":1,"private":true,"content":"note","sender":{"id":3,"type":"user"}}`, "agent", "private"},
		{"Activity", `{"id":5,"message_type":2,"content":"Conversation was marked resolved"}`, "system", "internal"},
		{"Template", `{"id":6,"message_type":3,"content":"Rate us"}`, "bot", "public"},
		// An automation rule's message, or a campaign's: sent by no one.
		{"OutgoingBySomeoneNotAnAgent", `{"id":8,"message_type":1,"content":"We got it","content_attributes":{"automation_rule_id":4}}`, "bot", "public"},
		{"MessageTypeAsString", `{"id":7,"message_type":"0","content":"x"}`, "contact", "public"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := normalize(t, tc.raw)
			require.Equal(t, tc.author, m.AuthorType)
			require.Equal(t, tc.visibility, m.Visibility)
			require.Equal(t, "9", m.ConversationID)
		})
	}

	t.Run("DeletedMessageHasNoBody", func(t *testing.T) {
		t.Parallel()
		m := normalize(t, `{"id":8,"message_type":0,"content":"This message was deleted","content_attributes":{"deleted":true}}`)
		require.Nil(t, m.Body)
	})

	t.Run("Attachments", func(t *testing.T) {
		t.Parallel()
		b := &record.Batch{}
		addMessage("9", json.RawMessage(`{"id":10,"message_type":0,"attachments":[{"id":77,"file_type":"image","data_url":"https://x/rails/a/photo.png?sig=1","file_size":2048}]}`), b)
		require.Equal(t, "photo.png", b.Attachments[0].Name)
		require.Equal(t, int64(2048), *b.Attachments[0].Size)
		// The spec: content "can be null for attachment-only messages".
		// Such a message is not a deleted one, whose body is null.
		require.NotNil(t, b.Messages[0].Body)
		require.Empty(t, *b.Messages[0].Body)
	})

	t.Run("MissingMessageTypeIsQuarantined", func(t *testing.T) {
		t.Parallel()
		b := &record.Batch{}
		addMessage("9", json.RawMessage(`{"id":11,"content":"?"}`), b)
		require.Empty(t, b.Messages)
		normalizetest.RequireQuarantined(t, b.Quarantined, record.StreamMessages,
			normalizetest.Quarantined{ID: "11", Parent: "9", Error: "message_type"})
	})
}

func TestPageCursor(t *testing.T) {
	t.Parallel()
	p, err := parsePageCursor("")
	require.NoError(t, err)
	require.Equal(t, pageCursor{Page: 1}, p)
	p, err = parsePageCursor(pageCursor{Page: 4, AllCount: 99, PerPage: 20}.String())
	require.NoError(t, err)
	require.Equal(t, pageCursor{Page: 4, AllCount: 99, PerPage: 20}, p)
	// Stored before the page size was learned: written only after a page
	// of 25 or more.
	p, err = parsePageCursor("page:4:all:99")
	require.NoError(t, err)
	require.Equal(t, pageCursor{Page: 4, AllCount: 99, PerPage: 25}, p)
	for _, bad := range []string{"page:zero", "page:0:all:9", "page:2:all:9:per:0", "page:2:all:9:per", "page:2:all:-1", "page:2:all:9x"} {
		_, err = parsePageCursor(bad)
		require.Error(t, err, bad)
	}
}

func TestPacerConfig(t *testing.T) {
	t.Parallel()
	require.Equal(t, time.Minute, PacerConfig(fetcher.RateLimit{}, 0).AlignedWindow, "rack-attack's minute by default")
	require.Equal(t, time.Second, PacerConfig(fetcher.RateLimit{}, time.Second).AlignedWindow)
}

func FuzzNormalizeConversation(f *testing.F) {
	f.Add([]byte(`{"id":1,"status":"open","updated_at":1700000000.5,"meta":{"sender":{"id":2}},"labels":["a"],"applied_sla":{"sla_status":"hit","sla_first_response_time_threshold":"60"},"sla_events":[{"event_type":"frt"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		addConversation(json.RawMessage(b), &fetcher.ConversationPage{})
	})
}

func FuzzNormalizeMessage(f *testing.F) {
	f.Add([]byte(`{"id":1,"message_type":1,"private":true,"content":"x","sender":{"id":3,"type":"user"},"attachments":[{"id":4,"data_url":"a/b"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		addMessage("c", json.RawMessage(b), &record.Batch{})
	})
}

// TestSpecExamples decodes records built from the official swagger schemas
// (every documented field, typed as the swagger types them: ids as numbers,
// timestamps as numbers): they must land. They are also fuzz seeds.
func TestSpecExamples(t *testing.T) {
	t.Parallel()
	normalizetest.RequireSpecExamplesLand(t, "testdata/fuzz/FuzzNormalizeConversation/spec-conversation-show",
		"testdata/fuzz/FuzzNormalizeMessage/spec-message", addConversation, addMessage)
}

package chatvolt

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/normalizetest"
	"github.com/syncerhq/syncer/record"
)

func normalizePage(raws ...string) *fetcher.ConversationPage {
	return normalizetest.Page(addConversation, raws...)
}

func TestNormalizeConversation(t *testing.T) {
	t.Parallel()

	t.Run("OnlyAnIDIsEnough", func(t *testing.T) {
		t.Parallel()
		page := normalizetest.RequireOnlyIDLands(t, addConversation, "c1")
		require.Empty(t, page.Batch.SLAOf, "Chatvolt has no SLA: the mirror's SLA rows are left alone")
	})

	t.Run("NullsEverywhere", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(`{"id":"c2","title":null,"isAiEnabled":null,"channel":null,"status":null,"metadata":null,
			"priority":null,"frustration":null,"createdAt":null,"updatedAt":null,"participantsContacts":null,
			"conversationVariables":null,"conversationContexts":null,"assignees":null,"tags":null,"crmScenarioConversations":null,
			"agentId":null,"userId":null,"visitorId":null}`)
		require.Empty(t, page.Batch.Quarantined)
		require.Equal(t, "c2", page.Batch.Conversations[0].ID)
	})

	t.Run("TimestampsWithOrWithoutMilliseconds", func(t *testing.T) {
		t.Parallel()
		for ts, want := range map[string]string{
			"2025-01-01T00:00:03.011Z":      "2025-01-01T00:00:03.011Z",
			"2025-01-01T00:00:03Z":          "2025-01-01T00:00:03Z",
			"2025-01-01T02:00:03.5+02:00":   "2025-01-01T00:00:03.5Z",
			"2025-01-01T00:00:03.123456Z":   "2025-01-01T00:00:03.123456Z",
			"2025-01-01T00:00:03.011":       "2025-01-01T00:00:03.011Z",
			"2025-01-01 00:00:03.011+00:00": "2025-01-01T00:00:03.011Z",
		} {
			normalizetest.RequireModifiedAt(t, addConversation, "updatedAt", ts, want)
		}
		page := normalizePage(`{"id":"c","createdAt":1735689603011}`)
		require.Equal(t, time.Date(2025, 1, 1, 0, 0, 3, 11e6, time.UTC), page.Batch.Conversations[0].CreatedAt, "epoch milliseconds")
	})

	t.Run("FullRecord", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(`{
			"id":"cm1","title":"Pedido atrasado","isAiEnabled":false,"channel":"whatsapp","status":"HUMAN_REQUESTED",
			"metadata":{"locale":"pt-BR"},"channelExternalId":"5511999","channelCredentialsId":"cred","organizationId":"org",
			"mailInboxId":null,"priority":"HIGH","formId":null,"agentId":"agent1","userId":null,"visitorId":null,"frustration":0.42,
			"createdAt":"2025-01-01T00:00:00.000Z","updatedAt":"2025-01-02T00:00:00.250Z",
			"participantsContacts":[{"id":"ct1","firstName":"Ana","lastName":"Souza","email":null,"phoneNumber":"+5511999"},
				{"id":"ct2","firstName":null,"lastName":null,"email":null,"phoneNumber":"+5511888"}],
			"conversationVariables":[{"id":"v1","name":"pedido","value":"123"}],
			"conversationContexts":[{"id":"x1","content":"VIP","createdAt":"2025-01-01T00:00:01.000Z"}],
			"assignees":[{"id":"u1","name":"Bruno Lima","email":"bruno@support.example.com"},{"id":"u2","name":"Caio","email":null}],
			"tags":[{"id":"t1","name":"entrega"},{"id":"t2","name":"vip"}],
			"crmScenarioConversations":[{"available":true,"scenario":{"id":"s1","name":"Vendas"},"step":{"id":"st1","name":"Proposta"},
				"createdAt":"2025-01-01T00:00:02.000Z","updatedAt":"2025-01-01T00:00:03.000Z"}],
			"_count":{"messages":3},"channelData":{"provider":"zapi"},"isGroup":false
		}`)
		require.Empty(t, page.Batch.Quarantined)
		c := page.Batch.Conversations[0]
		require.Equal(t, record.StatusPending, c.Status)
		require.Equal(t, "HUMAN_REQUESTED", c.NativeStatus)
		require.Equal(t, "high", c.Priority)
		require.Equal(t, "whatsapp", c.Channel)
		require.Equal(t, "Pedido atrasado", c.Title)
		require.Equal(t, time.Date(2025, 1, 2, 0, 0, 0, 250e6, time.UTC), c.ModifiedAt)
		for _, kept := range []string{`"frustration":0.42`, `"isAiEnabled":false`, `"conversationVariables"`, `"conversationContexts"`, `"crmScenarioConversations"`, `"channelData"`} {
			require.Contains(t, string(c.Raw), kept, "raw keeps what has no column")
		}
		require.ElementsMatch(t, []record.Participant{
			{ConversationID: "cm1", UserID: "u1", Role: record.RoleAssignee},
			{ConversationID: "cm1", UserID: "u2", Role: record.RoleAssignee},
			{ConversationID: "cm1", UserID: "ct1", Role: record.RoleMember},
			{ConversationID: "cm1", UserID: "ct2", Role: record.RoleMember},
		}, page.Batch.Participants)
		require.Equal(t, []string{"cm1"}, page.Batch.ParticipantsOf)
		require.ElementsMatch(t, []record.Tag{{ConversationID: "cm1", Tag: "entrega"}, {ConversationID: "cm1", Tag: "vip"}}, page.Batch.Tags)
		users := map[string]record.User{}
		for _, u := range page.Batch.Users {
			users[u.ID] = u
		}
		require.Equal(t, "Bruno Lima", users["u1"].DisplayName)
		require.Equal(t, "bruno@support.example.com", users["u1"].Email)
		require.Equal(t, userTypeMember, users["u1"].Type)
		require.Equal(t, "Ana Souza", users["ct1"].FullName)
		require.Equal(t, userTypeContact, users["ct1"].Type)
		require.Equal(t, "+5511888", users["ct2"].DisplayName, "a contact without a name shows its phone")
	})

	t.Run("StatusMapping", func(t *testing.T) {
		t.Parallel()
		for native, want := range map[string]string{
			"RESOLVED": record.StatusResolved, "UNRESOLVED": record.StatusOpen, "HUMAN_REQUESTED": record.StatusPending,
			"resolved": record.StatusResolved, "ARCHIVED": "",
		} {
			c := normalizePage(`{"id":"c","status":"` + native + `"}`).Batch.Conversations[0]
			require.Equal(t, want, c.Status, native)
			require.Equal(t, native, c.NativeStatus)
		}
	})

	t.Run("BadRecordsAreQuarantinedAloneWithTheirError", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(
			`{"id":"good","assignees":[{"id":"u1","name":"A"}]}`,
			`{"id":"absurd","updatedAt":"0001-01-01T00:00:00Z"}`,
			`{"id":"garbled","createdAt":"yesterday"}`,
			`{"id":"wrongtype","title":{"not":"a string"}}`,
			`{"id":"badassignee","assignees":[{"id":"u9"},"not an object"]}`,
			`{"title":"no id"}`,
		)
		require.Len(t, page.Batch.Conversations, 1, "only the good record lands; nothing of a bad one")
		require.Equal(t, []string{"good"}, page.Batch.ParticipantsOf)
		require.Len(t, page.Batch.Users, 1)
		normalizetest.RequireQuarantined(t, page.Batch.Quarantined, record.StreamConversations,
			normalizetest.Quarantined{ID: "absurd", Error: "year 1 out of range"},
			normalizetest.Quarantined{ID: "garbled", Error: "not ISO 8601"},
			normalizetest.Quarantined{ID: "wrongtype", Error: "decode conversation"},
			normalizetest.Quarantined{ID: "badassignee", Error: "assignee"},
			normalizetest.Quarantined{ID: normalizetest.Unidentified},
		)
	})
}

func TestNormalizeCRM(t *testing.T) {
	t.Parallel()
	var c conversation
	require.NoError(t, json.Unmarshal([]byte(`{"id":"c","crmScenarioConversations":[
		{"available":true,"scenario":{"id":"s1","name":"Vendas"},"step":{"id":"st1","name":"Proposta"},"createdAt":"2025-01-01T00:00:02.000Z","updatedAt":"2025-01-01T00:00:03Z"},
		{"available":null,"scenarioId":"s2","stepId":"st9","scenario":null,"step":null},
		{"available":false,"scenario":{"name":"no id"}}
	]}`), &c))
	links, err := normalizeCRM("c", c.CRMScenarioConversations)
	require.NoError(t, err)
	require.Len(t, links, 2, "a link without a scenario id cannot be keyed")
	require.Equal(t, "s1", links[0].ScenarioID)
	require.Equal(t, "Vendas", links[0].ScenarioName)
	require.Equal(t, "st1", links[0].StepID)
	require.Equal(t, "Proposta", links[0].StepName)
	require.True(t, *links[0].Available)
	require.Equal(t, time.Date(2025, 1, 1, 0, 0, 3, 0, time.UTC), links[0].UpdatedAt)
	require.Contains(t, string(links[0].Raw), "Proposta")
	require.Equal(t, record.CRMScenarioLink{ConversationID: "c", ScenarioID: "s2", StepID: "st9", Raw: links[1].Raw}, links[1])

	_, err = normalizeCRM("c", []json.RawMessage{json.RawMessage(`{"createdAt":"soon"}`)})
	require.ErrorContains(t, err, "CRM scenario link")
}

func TestNormalizeMessage(t *testing.T) {
	t.Parallel()

	normalize := func(t *testing.T, raw string) (record.Message, error) {
		t.Helper()
		b := &record.Batch{}
		err := normalizeMessage("conv1", json.RawMessage(raw), b)
		if err != nil {
			return record.Message{}, err
		}
		require.Len(t, b.Messages, 1)
		return b.Messages[0], nil
	}

	t.Run("AuthorMapping", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			raw, wantType, wantID string
		}{
			{`{"id":"m1","from":"agent","agentId":"ai1","userId":null}`, record.AuthorBot, "ai1"},
			{`{"id":"m2","from":"agent","agentId":null,"userId":"op1"}`, record.AuthorAgent, "op1"},
			{`{"id":"m3","from":"agent","agentId":"ai1","userId":"op1"}`, record.AuthorAgent, "op1"},
			{`{"id":"m4","from":"human","contactId":"ct1","visitorId":null}`, record.AuthorContact, "ct1"},
			{`{"id":"m5","from":"human","visitorId":"vis1"}`, record.AuthorContact, "vis1"},
			{`{"id":"m6","from":"human","userId":"dash1"}`, record.AuthorContact, "dash1"},
			{`{"id":"m7","from":"system"}`, "", ""},
		} {
			m, err := normalize(t, tc.raw)
			require.NoError(t, err)
			require.Equal(t, tc.wantType, m.AuthorType, tc.raw)
			require.Equal(t, tc.wantID, m.AuthorID, tc.raw)
		}
	})

	t.Run("FullMessage", func(t *testing.T) {
		t.Parallel()
		m, err := normalize(t, `{"id":"m1","text":"Olá 👋","html":"<p>Olá 👋</p>","from":"human","conversationId":"conv1",
			"agentId":null,"contactId":"ct1","userId":null,"visitorId":null,"read":false,"eval":null,
			"createdAt":"2025-01-01T00:00:03.011Z","updatedAt":"2025-01-01T00:00:09Z","metadata":{"model":"x"}}`)
		require.NoError(t, err)
		require.Equal(t, "Olá 👋", *m.Body)
		require.Equal(t, "text", m.BodyType)
		require.Equal(t, record.VisibilityPublic, m.Visibility)
		require.Equal(t, "conv1", m.ConversationID)
		require.Equal(t, time.Date(2025, 1, 1, 0, 0, 3, 11e6, time.UTC), m.CreatedAt)
		require.Equal(t, time.Date(2025, 1, 1, 0, 0, 9, 0, time.UTC), m.ModifiedAt, "updatedAt is modified_at")
		require.Contains(t, string(m.Raw), `"html":"<p>Olá 👋</p>"`)
	})

	t.Run("HTMLOnlyAndNoBody", func(t *testing.T) {
		t.Parallel()
		m, err := normalize(t, `{"id":"m1","text":null,"html":"<b>x</b>"}`)
		require.NoError(t, err)
		require.Equal(t, "<b>x</b>", *m.Body)
		require.Equal(t, "html", m.BodyType)
		m, err = normalize(t, `{"id":"m2","text":null,"html":null}`)
		require.NoError(t, err)
		require.Nil(t, m.Body)
	})

	t.Run("BadMessagesAreQuarantinedWithTheirConversation", func(t *testing.T) {
		t.Parallel()
		b := &record.Batch{}
		for _, raw := range []string{`{"id":"ok","text":"x"}`, `{"text":"no id"}`, `{"id":"late","createdAt":"2500-01-01T00:00:00Z"}`} {
			addMessage("conv1", json.RawMessage(raw), b)
		}
		require.Len(t, b.Messages, 1)
		normalizetest.RequireQuarantined(t, b.Quarantined, record.StreamMessages,
			normalizetest.Quarantined{ID: normalizetest.Unidentified, Parent: "conv1"},
			normalizetest.Quarantined{ID: "late", Parent: "conv1"},
		)
	})
}

// The fuzz targets feed arbitrary bytes to the decoders: they may refuse a
// record, never panic.
func FuzzNormalizeConversation(f *testing.F) {
	for _, s := range []string{
		`{"id":"c","updatedAt":"2025-01-01T00:00:00.123Z","status":"RESOLVED","priority":"LOW"}`,
		`{"id":"c","assignees":[{"user":{"id":"u"}}],"tags":["x",{"name":"y"}],"crmScenarioConversations":[{"scenarioId":"s"}]}`,
		`{"id":1,"participantsContacts":[{"id":"ct","firstName":null}],"createdAt":1735689603011}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = normalizeConversation(json.RawMessage(b), &record.Batch{})
	})
}

func FuzzNormalizeMessage(f *testing.F) {
	for _, s := range []string{
		`{"id":"m","text":"x","from":"agent","agentId":"a","createdAt":"2025-01-01T00:00:00Z"}`,
		`{"id":"m","text":null,"html":"<p/>","from":"human","visitorId":"v"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = normalizeMessage("c", json.RawMessage(b), &record.Batch{})
	})
}

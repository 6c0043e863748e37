package devrev

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

func TestReceiveWebhook(t *testing.T) {
	t.Parallel()
	const secret = "whsec-devrev-1234"
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	c, err := NewClient(Config{Token: "t", WebhookSecret: secret})
	require.NoError(t, err)
	signedWith := func(key, body string) http.Header {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(body))
		h := http.Header{}
		h.Set(signatureHeader, hex.EncodeToString(mac.Sum(nil)))
		return h
	}
	signed := func(body string) http.Header { return signedWith(secret, body) }
	const conv = "don:core:dvrv-us-1:devo/1:conversation/7"
	const ts = `"timestamp":"2026-12-03T11:59:58.5Z"`
	for name, tc := range map[string]struct {
		body string
		want []string
		typ  string
	}{
		"ConversationUpdated": {`{"id":"e1",` + ts + `,"type":"conversation_updated","conversation_updated":{"conversation":{"id":"` + conv + `"}}}`, []string{conv}, "conversation_updated"},
		"ConversationDeleted": {`{"id":"e2",` + ts + `,"type":"conversation_deleted","conversation_deleted":{"id":"` + conv + `"}}`, []string{conv}, "conversation_deleted"},
		"EntryCreated":        {`{"id":"e3",` + ts + `,"type":"timeline_entry_created","timeline_entry_created":{"entry":{"id":"` + conv + `:comment/9","object":"` + conv + `"}}}`, []string{conv}, "timeline_entry_created"},
		"ReplyCreated":        {`{"id":"e9",` + ts + `,"type":"timeline_entry_created","timeline_entry_created":{"entry":{"id":"` + conv + `:comment/10","object":"` + conv + `:comment/9"}}}`, []string{conv}, "timeline_entry_created"},
		"EntryDeletedByID":    {`{"id":"e4",` + ts + `,"type":"timeline_entry_deleted","timeline_entry_deleted":{"id":"` + conv + `:comment/9"}}`, []string{conv}, "timeline_entry_deleted"},
		"SLATracker":          {`{"id":"e5",` + ts + `,"type":"sla_tracker_updated","sla_tracker_updated":{"sla_tracker":{"applies_to_id":"` + conv + `"}}}`, []string{conv}, "sla_tracker_updated"},
		"TicketEntryIgnored":  {`{"id":"e6",` + ts + `,"type":"timeline_entry_created","timeline_entry_created":{"entry":{"object":"don:core:dvrv-us-1:devo/1:ticket/3"}}}`, nil, "timeline_entry_created"},
		"OtherTypeIgnored":    {`{"id":"e7",` + ts + `,"type":"work_created","work_created":{}}`, nil, "other"},
		"MadeUpTypeIgnored":   {`{"id":"e8",` + ts + `,"type":"conversation_x1y2z3"}`, nil, "other"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, err := c.ReceiveWebhook(signed(tc.body), []byte(tc.body), now)
			require.NoError(t, err)
			require.Equal(t, tc.want, d.ConversationIDs)
			require.Equal(t, tc.typ, d.Type, "a type syncer does not subscribe to labels metrics as other")
			require.Equal(t, now.Add(-1500*time.Millisecond), d.At)
			require.NotEmpty(t, d.ID)
		})
	}

	t.Run("VerifyHandshake", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{
			`{"id":"v",` + ts + `,"type":"verify","verify":{"challenge":"Y2hhbGxlbmdl"}}`,
			`{"id":"v",` + ts + `,"type":"verify","challenge":"Y2hhbGxlbmdl"}`,
			// The spec requires only id and webhook_id.
			`{"id":"v","webhook_id":"w","type":"verify","verify":{"challenge":"Y2hhbGxlbmdl"}}`,
		} {
			d, err := c.ReceiveWebhook(signed(body), []byte(body), now)
			require.NoError(t, err)
			require.JSONEq(t, `{"challenge":"Y2hhbGxlbmdl"}`, string(d.Reply))
		}
	})

	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		good := `{"id":"e1",` + ts + `,"type":"conversation_updated","conversation_updated":{"conversation":{"id":"` + conv + `"}}}`
		stale := `{"id":"e1","timestamp":"2026-12-03T11:50:00Z","type":"conversation_updated"}`
		for _, tc := range []struct {
			header  http.Header
			body    string
			outcome string
		}{
			{http.Header{}, good, fetcher.WebhookBadSignature},
			{signed(good + " "), good, fetcher.WebhookBadSignature},
			{signed(stale), stale, fetcher.WebhookStale},
			{signed(`{"id":`), `{"id":`, fetcher.WebhookMalformed},
			{signed(`{"id":"x"}`), `{"id":"x"}`, fetcher.WebhookMalformed},
		} {
			_, err := c.ReceiveWebhook(tc.header, []byte(tc.body), now)
			var werr *fetcher.WebhookError
			require.True(t, errors.As(err, &werr), "%v", err)
			require.Equal(t, tc.outcome, werr.Outcome)
		}
		unsigned, err := NewClient(Config{Token: "t"})
		require.NoError(t, err)
		_, err = unsigned.ReceiveWebhook(signed(good), []byte(good), now)
		require.ErrorContains(t, err, fetcher.WebhookBadSignature, "without a secret nothing is authentic")
		verify := `{"id":"v",` + ts + `,"type":"verify","verify":{"challenge":"Y2g="}}`
		d, err := unsigned.ReceiveWebhook(http.Header{}, []byte(verify), now)
		require.NoError(t, err, "but the handshake is answered, as the webhook is created")
		require.JSONEq(t, `{"challenge":"Y2g="}`, string(d.Reply))
		// With a secret, the handshake of a webhook that replaces it comes
		// signed with the new one's: it is answered too, and reads nothing.
		d, err = c.ReceiveWebhook(signedWith("the-new-webhooks-secret", verify), []byte(verify), now)
		require.NoError(t, err)
		require.JSONEq(t, `{"challenge":"Y2g="}`, string(d.Reply))
		require.Empty(t, d.ConversationIDs)
	})
}

// TestWebhookSecretsStayOutOfErrors: an answer to webhooks.create or
// webhooks.list that does not decode is not quoted in the error, since it
// holds the webhook's secret.
func TestWebhookSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	const secret = "WHSEC-never-in-an-error"
	c, err := NewClient(Config{BaseURL: fakeapitest.Answering(t, `{"webhook":{"secret":"`+secret+`","event_types":"not a list"},"webhooks":[{"secret":"`+secret+`","event_types":7}]}`), Token: "t"})
	require.NoError(t, err)

	_, err = c.RegisterWebhook(t.Context(), "https://syncer.example/webhooks/devrev")
	require.ErrorContains(t, err, "not quoted")
	require.NotContains(t, err.Error(), secret)
	_, err = c.ListWebhooks(t.Context())
	require.ErrorContains(t, err, "not quoted")
	require.NotContains(t, err.Error(), secret)
}

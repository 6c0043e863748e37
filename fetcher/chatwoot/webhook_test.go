package chatwoot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
)

func TestReceiveWebhook(t *testing.T) {
	t.Parallel()
	const secret = "whsec-chatwoot"
	now := time.Unix(1_796_300_000, 0)
	c, err := NewClient(Config{BaseURL: "https://chat.example", Token: "t", AccountID: "07", WebhookSecret: secret}) // 07 is 7
	require.NoError(t, err)
	signed := func(body string, at time.Time) http.Header {
		ts := strconv.FormatInt(at.Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "." + body))
		h := http.Header{}
		h.Set(deliveryHeader, "d-1")
		h.Set(timestampHeader, ts)
		h.Set(signatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
		return h
	}
	for name, tc := range map[string]struct {
		body string
		want []string
		typ  string
	}{
		"ConversationUpdated":  {`{"event":"conversation_updated","id":42,"changed_attributes":[{"status":{}}]}`, []string{"42"}, "conversation_updated"},
		"StatusChanged":        {`{"event":"conversation_status_changed","id":"42"}`, []string{"42"}, "conversation_status_changed"},
		"MessageCreated":       {`{"event":"message_created","id":900,"conversation":{"id":42},"account":{"id":7}}`, []string{"42"}, "message_created"},
		"MessageOfAnotherAcct": {`{"event":"message_updated","id":900,"conversation":{"id":42},"account":{"id":8}}`, nil, "message_updated"},
		"ContactIgnored":       {`{"event":"contact_updated","id":5}`, nil, "other"},
		"MadeUpEvent":          {`{"event":"conversation_x1y2z3","id":42}`, []string{"42"}, "other"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, err := c.ReceiveWebhook(signed(tc.body, now.Add(-2*time.Second)), []byte(tc.body), now)
			require.NoError(t, err)
			require.Equal(t, tc.want, d.ConversationIDs)
			require.Equal(t, tc.typ, d.Type, "an event syncer does not subscribe to labels metrics as other")
			require.Equal(t, "d-1", d.ID)
			require.Equal(t, now.Add(-2*time.Second), d.At)
		})
	}

	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		body := `{"event":"conversation_updated","id":42}`
		tampered := signed(body, now)
		tampered.Set(timestampHeader, strconv.FormatInt(now.Unix()+1, 10))
		for _, tc := range []struct {
			header  http.Header
			body    string
			outcome string
		}{
			{http.Header{}, body, fetcher.WebhookBadSignature},
			{tampered, body, fetcher.WebhookBadSignature},
			{signed(body, now.Add(-10*time.Minute)), body, fetcher.WebhookStale},
			{signed(`{"id":`, now), `{"id":`, fetcher.WebhookMalformed},
			{signed(`{"id":1}`, now), `{"id":1}`, fetcher.WebhookMalformed},
		} {
			_, err := c.ReceiveWebhook(tc.header, []byte(tc.body), now)
			var werr *fetcher.WebhookError
			require.True(t, errors.As(err, &werr), "%v", err)
			require.Equal(t, tc.outcome, werr.Outcome)
		}
	})

	t.Run("PublicAPIHasNoAccountToCompare", func(t *testing.T) {
		t.Parallel()
		public, err := NewClient(Config{BaseURL: "https://chat.example", InboxIdentifier: "inb", ContactIdentifier: "con", WebhookSecret: secret})
		require.NoError(t, err)
		body := `{"event":"message_created","id":900,"conversation":{"id":42},"account":{"id":7}}`
		d, err := public.ReceiveWebhook(signed(body, now), []byte(body), now)
		require.NoError(t, err)
		require.Equal(t, []string{"42"}, d.ConversationIDs, "read again, through the contact's own list")
	})

	t.Run("UnsignedOnlyWhenConfigured", func(t *testing.T) {
		t.Parallel()
		body := `{"event":"conversation_created","id":43}`
		h := http.Header{}
		h.Set(deliveryHeader, "d-2")
		_, err := c.ReceiveWebhook(h, []byte(body), now)
		require.ErrorContains(t, err, fetcher.WebhookBadSignature)
		old, err := NewClient(Config{BaseURL: "https://chat.example", Token: "t", AccountID: "7", WebhookUnsigned: true})
		require.NoError(t, err)
		d, err := old.ReceiveWebhook(h, []byte(body), now)
		require.NoError(t, err)
		require.Equal(t, []string{"43"}, d.ConversationIDs)
		require.Equal(t, now, d.At)
		// A Chatwoot that began to sign, with no secret here to check it
		// against: its deliveries are taken as unsigned ones are.
		signedByAnUpgrade := h.Clone()
		signedByAnUpgrade.Set(timestampHeader, strconv.FormatInt(now.Unix(), 10))
		signedByAnUpgrade.Set(signatureHeader, "sha256=0123abcd")
		d, err = old.ReceiveWebhook(signedByAnUpgrade, []byte(body), now)
		require.NoError(t, err)
		require.Equal(t, []string{"43"}, d.ConversationIDs)

		// A secret outweighs webhook_unsigned: leaving the signature off
		// does not skip the check.
		both, err := NewClient(Config{BaseURL: "https://chat.example", Token: "t", AccountID: "7", WebhookUnsigned: true, WebhookSecret: "s3cret"})
		require.NoError(t, err)
		_, err = both.ReceiveWebhook(h, []byte(body), now)
		require.ErrorContains(t, err, fetcher.WebhookBadSignature)
		errs := check(fetcher.SourceSettings{Token: "t", Options: map[string]string{accountKey: "7", webhookUnsignedKey: "true", webhookSecretKey: "s3cret"}})
		require.Len(t, errs, 1)
		require.ErrorContains(t, errs[0], "both set")
	})
}

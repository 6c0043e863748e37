package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// quickRetries is a vendor's retry schedule, shortened for the tests.
func quickRetries() []time.Duration {
	return []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond}
}

// webhookDaemon starts the daemon with its webhook endpoint and polling an
// hour apart, waits until its first pass is over, and returns where the
// vendor posts.
func webhookDaemon(t *testing.T, env []string, pool *pgxpool.Pool) (hooks string, logs *lockedBuffer) {
	t.Helper()
	_, logs = startDaemon(t, append(env, "SYNCER_INTERVAL=1h", "SYNCER_WEBHOOK_ADDR=127.0.0.1:0"))
	waitFor(t, "the daemon to say where it takes webhooks", func() bool {
		return regexp.MustCompile(`"webhooks":"http[^"]+"`).MatchString(logs.String())
	})
	hooks = regexp.MustCompile(`"webhooks":"([^"]+)"`).FindStringSubmatch(logs.String())[1]
	// Changes made from here on reach the mirror by webhook alone: the
	// next pass is an hour away.
	waitFor(t, "the daemon's first pass to end", func() bool {
		return dbtest.Value[bool](t, pool, `SELECT EXISTS (SELECT 1 FROM sync_runs WHERE finished_at IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM river_job WHERE state::text IN ('available', 'running', 'retryable', 'scheduled', 'pending') AND queue LIKE 'src_%')`)
	})
	return hooks, logs
}

// TestDevRevWebhooksMirrorChangesWithoutPolling: every kind of change DevRev
// announces reaches the mirror through its webhooks, delivered the way
// DevRev does (signed, concurrently, out of order, sometimes twice, retried
// on failure), and nothing from their bodies is written.
func TestDevRevWebhooksMirrorChangesWithoutPolling(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 40, devrevtest.Options{Seed: 21, WebhookMaxDelay: 30 * time.Millisecond,
		WebhookDuplicateRate: 0.3, WebhookRetryDelays: quickRetries()})
	dbURL := dbtest.NewURL(t)
	pool := pgtest.NewPool(t, dbURL)
	const secret = "devrev-webhook-secret-1"
	env := append(fake.env(dbURL), "DEVREV_WEBHOOK_SECRET="+secret)
	syncerOK(t, env, "backfill")
	hooks, logs := webhookDaemon(t, env, pool)
	_, err := fake.server.AddWebhook(hooks+"devrev", secret)
	require.NoError(t, err)

	changeInTurn(fake.ws, fake.ws.Snapshot().Conversations[:12],
		addReply, rename, resolve, removeMiddleComment, editFirstComment, deleteConversation)
	fake.ws.AddConversation("created while webhooks flow")
	eventuallyExact(t, pool, fake.ws, logs)
	require.NoError(t, fake.server.WaitWebhooks(t.Context()))
	require.Positive(t, fake.server.WebhookStats().Duplicates, "duplicates were delivered")

	addr := regexp.MustCompile(`"http_addr":"([^"]+)"`).FindStringSubmatch(logs.String())[1]
	_, metrics := httpGet(t, "http://"+addr+"/metrics")
	require.Contains(t, metrics, `syncer_webhook_events_total{outcome="queued",source="devrev",type="timeline_entry_created"}`)
	require.Regexp(t, `syncer_webhook_lag_seconds_count\{source="devrev"\} [1-9]`, metrics)
	require.NotContains(t, logs.String(), secret)
	waitFor(t, "status to say the webhooks arrive (a heartbeat records them)", func() bool {
		return strings.Contains(syncerOK(t, env, "status").stdout, "webhooks: devrev:")
	})
}

// TestWebhookEndpointRefusesBadInput: what is not an authentic, fresh
// delivery of a configured source gets a clear status and queues nothing.
func TestWebhookEndpointRefusesBadInput(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 5, devrevtest.Options{Seed: 22})
	dbURL := dbtest.NewURL(t)
	pool := pgtest.NewPool(t, dbURL)
	env := append(fake.env(dbURL), "DEVREV_WEBHOOK_SECRET=the-secret-123")
	syncerOK(t, env, "migrate")
	hooks, _ := webhookDaemon(t, env, pool)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	event := `{"id":"e1","webhook_id":"w","timestamp":"` + now + `","type":"conversation_updated","conversation_updated":{"conversation":{"id":"don:core:dvrv-us-1:devo/0:conversation/1"}}}`
	post := func(method, path, body, signature string) int {
		req, err := http.NewRequestWithContext(t.Context(), method, hooks+path, strings.NewReader(body))
		require.NoError(t, err)
		if signature != "" {
			req.Header.Set("X-DevRev-Signature", signature)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	sign := func(body string) string { return hmacHex("the-secret-123", body) }
	stale := strings.Replace(event, now, time.Now().Add(-10*time.Minute).UTC().Format(time.RFC3339), 1)
	require.Equal(t, http.StatusUnauthorized, post("POST", "devrev", event, ""), "unsigned")
	require.Equal(t, http.StatusUnauthorized, post("POST", "devrev", event, hmacHex("another-secret", event)), "forged")
	require.Equal(t, http.StatusUnauthorized, post("POST", "devrev", stale, sign(stale)), "replayed")
	require.Equal(t, http.StatusNotFound, post("POST", "nosuch", event, sign(event)))
	require.Equal(t, http.StatusMethodNotAllowed, post("GET", "devrev", "", ""))
	require.Equal(t, http.StatusBadRequest, post("POST", "devrev", "{", sign("{")))
	big := strings.Repeat(" ", 2<<20)
	require.Equal(t, http.StatusRequestEntityTooLarge, post("POST", "devrev", big, sign(big)))
	require.Zero(t, dbtest.Value[int](t, pool, "SELECT count(*) FROM river_job WHERE kind = 'refresh_conversation'"))
	require.Equal(t, http.StatusOK, post("POST", "devrev", event, sign(event)))
	require.Equal(t, http.StatusOK, post("POST", "devrev", event, sign(event)), "a duplicate")
	require.Equal(t, 1, dbtest.Value[int](t, pool, "SELECT count(*) FROM river_job WHERE kind = 'refresh_conversation'"))
}

// TestWebhooksRegisterAndList: `syncer webhooks register` creates the
// webhook at the vendor, which verifies the endpoint at once (answered
// before the secret is configured), and prints the secret; `list` shows it
// without.
func TestWebhooksRegisterAndList(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 5, devrevtest.Options{Seed: 23})
	dbURL := dbtest.NewURL(t)
	env := fake.env(dbURL)
	syncerOK(t, env, "migrate")
	hooks, _ := webhookDaemon(t, env, pgtest.NewPool(t, dbURL))
	out := syncerOK(t, env, "webhooks", "register", "--source", "devrev", "--url", hooks+"devrev").stdout
	require.Contains(t, out, "(active)", "the handshake was answered")
	secret := regexp.MustCompile(`DEVREV_WEBHOOK_SECRET=(\S+)`).FindStringSubmatch(out)
	require.Len(t, secret, 2, out)
	list := syncerOK(t, env, "webhooks", "list", "--source", "devrev").stdout
	require.Contains(t, list, hooks+"devrev")
	require.Contains(t, list, "timeline_entry_deleted")
	require.NotContains(t, list, secret[1])
}

// TestChatwootWebhooksUnsigned: an older self-hosted Chatwoot signs nothing;
// with webhook_unsigned its deliveries are taken (and the daemon warns), and
// what they announce reaches the mirror.
func TestChatwootWebhooksUnsigned(t *testing.T) {
	t.Parallel()
	ws := chatwoottest.Generate(chatwoottest.GenerateConfig{Seed: 5, AccountID: 7, Conversations: 20, MessagesPerConversation: 4, Start: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: cliToken, Seed: 5, WebhookUnsigned: true, WebhookDuplicateRate: 0.3})
	t.Cleanup(server.Close)
	dbURL := dbtest.NewURL(t)
	pool := pgtest.NewPool(t, dbURL)
	env := []string{"DATABASE_URL=" + dbURL, "CHATWOOT_API_URL=" + server.URL(), "CHATWOOT_API_TOKEN=" + cliToken,
		"CHATWOOT_ACCOUNT_ID=7", "CHATWOOT_WEBHOOK_UNSIGNED=true", "SYNCER_LOG_FORMAT=json"}
	syncerOK(t, env, "backfill")
	hooks, logs := webhookDaemon(t, env, pool)
	require.Contains(t, logs.String(), "accepting unsigned webhooks")
	_, err := server.AddWebhook(hooks+"chatwoot", "")
	require.NoError(t, err)

	snap := ws.Snapshot()
	for i, c := range snap.Conversations[:8] {
		switch i % 4 {
		case 0:
			ws.AddMessage(c.ID, fmt.Sprintf("customer again %d", i), 0, false)
		case 1:
			ws.SetStatus(c.ID, "resolved")
		case 2:
			if len(c.Messages) > 0 {
				ws.EditMessage(c.Messages[0].ID, "edited first message")
			}
		case 3:
			if len(c.Messages) > 1 {
				ws.DeleteMessage(c.Messages[1].ID)
			}
		}
	}
	waitFor(t, "the mirror to equal the account", func() bool {
		diffs, err := mirrorcheck.Compare(t.Context(), dbq.New(pool), "chatwoot", mirrorcheck.Chatwoot(ws.Snapshot(), mirrorcheck.ChatwootOptions{}))
		require.NoError(t, err)
		return len(diffs) == 0
	})
}

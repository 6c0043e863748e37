package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// webhooksResult is the daemon kept fresh by DevRev's webhooks alone
// (polling ten minutes apart) while the workspace changes at a steady rate.
type webhooksResult struct {
	Conversations int     `json:"conversations"`
	ChangesPerSec float64 `json:"changes_per_sec"`
	Seconds       float64 `json:"seconds"`
	Changes       int     `json:"changes"`
	// Deliveries are the webhook requests the fake made (duplicates and
	// retries included).
	Deliveries int `json:"deliveries"`
	// Lag is from a change to the commit of its re-read, as the daemon
	// measures it (syncer_webhook_lag_seconds); Seen is from a new comment
	// to the moment the bench saw it in the mirror (polling every 50 ms).
	Lag  lagQuantiles `json:"lag"`
	Seen lagQuantiles `json:"seen"`
	// Requests are the API requests syncer made for the changes, from the
	// first change until the mirror was exact.
	Requests          int            `json:"requests"`
	RequestsByKind    map[string]int `json:"requests_by_endpoint"`
	RequestsPerChange float64        `json:"requests_per_change"`
	Exact             bool           `json:"exact"`
	// SecondsToExact is from the last change to the mirror found exact.
	SecondsToExact float64 `json:"seconds_to_exact"`
}

type lagQuantiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_seconds"`
	P95   float64 `json:"p95_seconds"`
	Max   float64 `json:"max_seconds"`
}

// webhookSecret is the secret the scenario's webhook signs with.
const webhookSecret = "bench-webhook-secret"

// webhooksScenario backfills size/10 conversations, starts the daemon with
// its webhook endpoint and a 10-minute polling interval, registers the
// webhook at the fake, then changes the workspace 50 times a second for a
// minute (comments, titles, stages, edits, deletes, duplicated and
// out-of-order deliveries) and measures the lag and the requests.
func (b *bench) webhooksScenario(ctx context.Context) (*webhooksResult, error) {
	res := &webhooksResult{Conversations: max(b.opts.Size/10, 100), ChangesPerSec: 50}
	m, err := b.newMirror(ctx, "webhooks", res.Conversations, devrevtest.Options{
		WebhookMaxDelay: 20 * time.Millisecond, WebhookDuplicateRate: 0.05,
		WebhookRetryDelays: []time.Duration{0, time.Second, 5 * time.Second},
	})
	if err != nil {
		return res, err
	}
	defer b.closeMirror(m)
	if _, err := b.runPass(ctx, m, passSpec{Label: "webhooks", Command: "backfill", Processes: 1}); err != nil {
		return res, err
	}
	daemon, hooks, metricsURL, err := b.startWebhookDaemon(ctx, m)
	if err != nil {
		return res, err
	}
	defer daemon.stop()
	if _, err := m.DevRevServer.AddWebhook(hooks+"devrev", webhookSecret); err != nil {
		return res, fmt.Errorf("register the webhook: %w", err)
	}
	if err := b.runChanges(ctx, m, res, metricsURL); err != nil {
		return res, err
	}
	b.progressf("webhooks: lag p50 %.2f s, p95 %.2f s (daemon); new comments seen p50 %.2f s, p95 %.2f s; %.2f requests per change",
		res.Lag.P50, res.Lag.P95, res.Seen.P50, res.Seen.P95, res.RequestsPerChange)
	return res, nil
}

// runningDaemon is a `syncer run` child.
type runningDaemon struct {
	cancel context.CancelFunc
	c      *child
}

func (d *runningDaemon) stop() {
	d.cancel()
	_, _ = d.c.wait()
}

// startWebhookDaemon starts the daemon on m with polling ten minutes apart,
// waits until its first pass is over, and returns where it takes webhooks
// and serves its metrics.
func (b *bench) startWebhookDaemon(ctx context.Context, m *mirror) (*runningDaemon, string, string, error) {
	env := m.env(0)
	env.Source = append(env.Source, "SYNCER_INTERVAL=10m", "SYNCER_WEBHOOK_ADDR=127.0.0.1:0", "SYNCER_HTTP_ADDR=127.0.0.1:0",
		"SYNCER_ADMIN_ADDR=", "DEVREV_WEBHOOK_SECRET="+webhookSecret)
	dctx, cancel := context.WithCancel(ctx)
	c, err := b.syncer.start(dctx, "webhooks-daemon", env, "run")
	if err != nil {
		cancel()
		return nil, "", "", err
	}
	d := &runningDaemon{cancel: cancel, c: c}
	running := regexp.MustCompile(`"http_addr":"([^"]+)".*"webhooks":"([^"]+)"`)
	var hooks, metricsURL string
	err = poll(ctx, time.Minute, func() (bool, error) {
		log, _ := os.ReadFile(c.logPath)
		if match := running.FindSubmatch(log); match != nil {
			metricsURL, hooks = "http://"+string(match[1])+"/metrics", string(match[2])
			return true, nil
		}
		return false, nil
	})
	if err == nil {
		err = poll(ctx, 2*time.Minute, func() (bool, error) { return passesIdle(ctx, m) })
	}
	if err != nil {
		d.stop()
		return nil, "", "", fmt.Errorf("webhooks daemon: %w", err)
	}
	return d, hooks, metricsURL, nil
}

// passesIdle reports whether the mirror's source has finished a pass and
// has no job left.
func passesIdle(ctx context.Context, m *mirror) (bool, error) {
	var idle bool
	err := m.DB.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sync_runs WHERE kind <> 'backfill' AND finished_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM river_job WHERE state::text IN ('available', 'running', 'retryable', 'scheduled', 'pending') AND queue LIKE 'src_%')`).Scan(&idle)
	return idle, err
}

// poll calls done until it says so, within limit.
func poll(ctx context.Context, limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runChanges changes the workspace at res.ChangesPerSec for a minute, waits
// for the mirror to be exact, and fills in the figures.
func (b *bench) runChanges(ctx context.Context, m *mirror, res *webhooksResult, metricsURL string) error {
	m.API.reset()
	seen := newSeenComments()
	pollCtx, stopPolling := context.WithCancel(ctx)
	go seen.watch(pollCtx, m)
	rng := rand.New(rand.NewPCG(uint64(b.opts.Seed), 50))
	b.progressf("webhooks: %.0f changes a second for 60 s at the source; polling is 10 minutes apart", res.ChangesPerSec)
	started := time.Now()
	ticker := time.NewTicker(time.Duration(float64(time.Second) / res.ChangesPerSec))
	var convs []devrevtest.SnapConversation
	for time.Since(started) < time.Minute {
		<-ticker.C
		// A snapshot copies the whole workspace: taking one per change
		// could not keep up with 50 a second at 2,000 conversations.
		if res.Changes%int(res.ChangesPerSec) == 0 {
			convs = m.DevRev.Snapshot().Conversations
		}
		changeOne(m.DevRev, convs[rng.IntN(len(convs))], rng, res.Changes, seen)
		res.Changes++
	}
	ticker.Stop()
	last := time.Now()
	res.Seconds = last.Sub(started).Seconds()
	if err := m.DevRevServer.WaitWebhooks(ctx); err != nil {
		stopPolling()
		return err
	}
	var diffs []string
	err := poll(ctx, 3*time.Minute, func() (bool, error) {
		var err error
		diffs, err = m.API.Vendor.Compare(ctx, dbqOf(m))
		return len(diffs) == 0, err
	})
	if len(diffs) > 0 {
		err = fmt.Errorf("%w; %d differences, the first: %s", err, len(diffs), strings.Join(diffs[:min(len(diffs), 5)], "; "))
	}
	stopPolling()
	res.Exact, res.SecondsToExact = err == nil, time.Since(last).Seconds()
	st := m.API.Vendor.Stats()
	res.Requests, res.RequestsByKind = st.Total, st.ByEndpoint
	res.RequestsPerChange = float64(res.Requests) / float64(res.Changes)
	res.Deliveries = m.DevRevServer.WebhookStats().Attempts
	res.Seen = seen.quantiles()
	lag, lerr := scrapeLag(ctx, metricsURL)
	res.Lag = lag
	if err != nil {
		return fmt.Errorf("the mirror did not become exact: %w", err)
	}
	return lerr
}

// changeOne makes the n-th change: mostly new comments, then titles, stages,
// edits and deletions.
func changeOne(ws *devrevtest.Workspace, c devrevtest.SnapConversation, rng *rand.Rand, n int, seen *seenComments) {
	switch r := rng.IntN(100); {
	case r < 60:
		body := fmt.Sprintf("webhook bench change %d", n)
		seen.made(body)
		ws.AddComment(c.ID, body, "external")
	case r < 75:
		ws.EditConversation(c.ID, fmt.Sprintf("%s (%d)", c.Title, n))
	case r < 85:
		ws.SetStage(c.ID, []string{"awaiting_customer_response", "resolved", "in_progress"}[n%3])
	case r < 95 && len(c.Comments) > 0:
		ws.EditComment(c.Comments[rng.IntN(len(c.Comments))].ID, fmt.Sprintf("edited %d", n))
	case len(c.Comments) > 1:
		ws.RemoveComment(c.Comments[rng.IntN(len(c.Comments))].ID)
	}
}

// seenComments times new comments from their creation at the source to
// their first appearance in the mirror.
type seenComments struct {
	mu   sync.Mutex
	at   map[string]time.Time // body → made
	lags []float64
}

func newSeenComments() *seenComments { return &seenComments{at: map[string]time.Time{}} }

func (s *seenComments) made(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at[body] = time.Now()
}

// watch polls the mirror for the comments made, every 50 ms.
func (s *seenComments) watch(ctx context.Context, m *mirror) {
	for ctx.Err() == nil {
		rows, err := m.DB.Pool.Query(ctx, "SELECT body FROM messages WHERE body LIKE 'webhook bench change %'")
		if err == nil {
			now := time.Now()
			for rows.Next() {
				var body string
				if rows.Scan(&body) == nil {
					s.saw(body, now)
				}
			}
			rows.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *seenComments) saw(body string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if made, ok := s.at[body]; ok {
		s.lags = append(s.lags, now.Sub(made).Seconds())
		delete(s.at, body)
	}
}

func (s *seenComments) quantiles() lagQuantiles {
	s.mu.Lock()
	defer s.mu.Unlock()
	return quantilesOf(s.lags)
}

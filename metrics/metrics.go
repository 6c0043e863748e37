// Package metrics exposes syncer's Prometheus metrics: what the daemon did
// (requests, rate limits, rows, passes), and, read from the database at each
// scrape, where the mirror stands (freshness lag, queued jobs, quarantine).
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds one process's metrics. A nil *Metrics records nothing, so
// commands and tests that do not serve metrics pass nil.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	rateLimitWait *prometheus.CounterVec
	rows          *prometheus.CounterVec
	passDuration  *prometheus.HistogramVec
	webhooks      *prometheus.CounterVec
	webhookLag    *prometheus.HistogramVec
	sourceUp      *sourceUpCollector
}

// New returns the metrics of a process whose mirror is in pool.
func New(pool *pgxpool.Pool) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncer_requests_total", Help: "API requests by source, endpoint and HTTP status (0: no response).",
		}, []string{"source", "endpoint", "status"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncer_rate_limited_total", Help: "Rate-limited API responses (429, and 419 for Chatvolt) by source.",
		}, []string{"source"}),
		rateLimitWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncer_rate_limit_wait_seconds_total", Help: "Time the vendor asked syncer to wait after rate limits, by source.",
		}, []string{"source"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncer_rows_upserted_total", Help: "Rows written to mirrored tables, by source and table.",
		}, []string{"source", "table"}),
		passDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "syncer_pass_duration_seconds", Help: "Duration of a pass's listing, from start to its last page, by source and kind.",
			Buckets: prometheus.ExponentialBuckets(0.5, 2, 14),
		}, []string{"source", "kind"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncer_webhook_events_total", Help: "Webhook deliveries by source, event type and outcome (queued, duplicate, ignored, handshake, bad_signature, stale, unknown_source, malformed, too_large, bad_method, unavailable).",
		}, []string{"source", "type", "outcome"}),
		webhookLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "syncer_webhook_lag_seconds", Help: "Time from a change a webhook announced (the vendor's timestamp) to the commit of its re-read, by source.",
			Buckets: []float64{0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300},
		}, []string{"source"}),
		sourceUp: newSourceUpCollector(),
	}
	m.registry.MustRegister(m.requests, m.rateLimited, m.rateLimitWait, m.rows, m.passDuration, m.webhooks, m.webhookLag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newStateCollector(pool, m.sourceUp.configured), m.sourceUp)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Timeout: 10 * time.Second})
}

// ObserveRequest counts an API request.
func (m *Metrics) ObserveRequest(source, endpoint string, status int) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(source, endpoint, strconv.Itoa(status)).Inc()
}

// ObserveRateLimit counts a rate-limited response and the wait it asked for.
func (m *Metrics) ObserveRateLimit(source string, wait time.Duration) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(source).Inc()
	m.rateLimitWait.WithLabelValues(source).Add(wait.Seconds())
}

// AddRows counts rows written, by table.
func (m *Metrics) AddRows(source string, perTable map[string]int) {
	if m == nil {
		return
	}
	for table, n := range perTable {
		m.rows.WithLabelValues(source, table).Add(float64(n))
	}
}

// ObservePass records how long a pass's listing took.
func (m *Metrics) ObservePass(source, kind string, d time.Duration) {
	if m == nil {
		return
	}
	m.passDuration.WithLabelValues(source, kind).Observe(d.Seconds())
}

// ObserveWebhook counts a webhook delivery and what became of it.
func (m *Metrics) ObserveWebhook(source, eventType, outcome string) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(source, eventType, outcome).Inc()
}

// ObserveWebhookLag records the time from a change a webhook announced to
// the commit of its re-read.
func (m *Metrics) ObserveWebhookLag(source string, d time.Duration) {
	if m == nil {
		return
	}
	m.webhookLag.WithLabelValues(source).Observe(d.Seconds())
}

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 5 * time.Second

// ctxForScrape is the context of a scrape's database reads.
func ctxForScrape() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), scrapeTimeout)
}

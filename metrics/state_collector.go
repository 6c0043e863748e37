package metrics

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/syncerhq/syncer/db/dbq"
)

// stateCollector reads where the mirror stands at each scrape. These are
// shared facts of the database, the same whichever process is scraped.
type stateCollector struct {
	pool *pgxpool.Pool
	// configured tells the sources this process is configured with: the
	// freshness of a source renamed or removed since, whose rows stay,
	// is no one's to alert on.
	configured  func(source string) bool
	lag         *prometheus.Desc
	lastPass    *prometheus.Desc
	jobs        *prometheus.Desc
	quarantined *prometheus.Desc
	up          *prometheus.Desc
}

func newStateCollector(pool *pgxpool.Pool, configured func(source string) bool) *stateCollector {
	return &stateCollector{
		pool: pool, configured: configured,
		lag: prometheus.NewDesc("syncer_freshness_lag_seconds",
			"Now minus the stream's watermark: how far behind the source the mirror may be.", []string{"source", "stream"}, nil),
		lastPass: prometheus.NewDesc("syncer_last_pass_success_timestamp_seconds",
			"When the source and stream last finished a pass (unix seconds): alert on time() minus this.", []string{"source", "stream"}, nil),
		jobs: prometheus.NewDesc("syncer_jobs",
			"Sync jobs not yet finished, by source, kind and state.", []string{"source", "kind", "state"}, nil),
		quarantined: prometheus.NewDesc("syncer_quarantined_records",
			"Records in quarantine (could not be decoded or stored), by source and stream.", []string{"source", "stream"}, nil),
		up: prometheus.NewDesc("syncer_database_up", "Whether the scrape could read the database.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lag
	ch <- c.lastPass
	ch <- c.jobs
	ch <- c.quarantined
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := ctxForScrape()
	defer cancel()
	q := dbq.New(c.pool)
	up := 1.0
	if states, err := q.ListSyncStates(ctx); err == nil {
		now := time.Now()
		for _, s := range states {
			if s.Watermark != nil && c.configured(s.Source) {
				ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, now.Sub(*s.Watermark).Seconds(), s.Source, s.Stream)
			}
		}
	} else {
		up = 0
	}
	if runs, err := q.LastSucceededRuns(ctx); err == nil {
		for _, r := range runs {
			if c.configured(r.Source) {
				ch <- prometheus.MustNewConstMetric(c.lastPass, prometheus.GaugeValue, float64(r.FinishedAt.Unix()), r.Source, r.Stream)
			}
		}
	} else {
		up = 0
	}
	if jobs, err := q.QueuedJobs(ctx); err == nil {
		for _, j := range jobs {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(j.Jobs), j.Source, j.Kind, j.State)
		}
	} else {
		up = 0
	}
	if quarantined, err := q.CountOpenQuarantine(ctx); err == nil {
		for _, r := range quarantined {
			ch <- prometheus.MustNewConstMetric(c.quarantined, prometheus.GaugeValue, float64(r.Records), r.Source, r.Stream)
		}
	} else {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}

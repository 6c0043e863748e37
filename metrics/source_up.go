package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceUpCollector reports, at each scrape, whether each source's API
// answers this process (syncer_source_up).
type sourceUpCollector struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	up   map[string]func() bool
}

func newSourceUpCollector() *sourceUpCollector {
	return &sourceUpCollector{desc: prometheus.NewDesc("syncer_source_up",
		"Whether the source's API answered this process's last request (1), or gave no answer at all (0).", []string{"source"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *sourceUpCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *sourceUpCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for source, up := range c.up {
		v := 0.0
		if up() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, source)
	}
}

// WatchSources reports whether each source's API answers: up reads it, by
// source. It replaces the sources watched before.
func (m *Metrics) WatchSources(up map[string]func() bool) {
	if m == nil {
		return
	}
	m.sourceUp.mu.Lock()
	defer m.sourceUp.mu.Unlock()
	m.sourceUp.up = up
}

// configured reports whether this process is configured with source; any
// source is, before WatchSources (a process that watches none).
func (c *sourceUpCollector) configured(source string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == nil {
		return true
	}
	_, ok := c.up[source]
	return ok
}

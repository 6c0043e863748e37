package metrics

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestDeployNamesOnlyMetricsThatExist: the alerting rules and the dashboard
// in deploy/ use metrics the daemon serves, by their exact names, so that a
// renamed metric cannot leave an alert that never fires.
func TestDeployNamesOnlyMetricsThatExist(t *testing.T) {
	t.Parallel()
	m := New(nil)
	served := map[string]bool{}
	descs := make(chan *prometheus.Desc, 64)
	for _, c := range []prometheus.Collector{m.requests, m.rateLimited, m.rateLimitWait, m.rows, m.passDuration, m.webhooks, m.webhookLag, m.sourceUp, newStateCollector(nil, nil)} {
		c.Describe(descs)
	}
	close(descs)
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		served[fqName.FindStringSubmatch(d.String())[1]] = true
	}

	files, err := filepath.Glob("../deploy/*/*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	used := regexp.MustCompile(`\bsyncer_[a-z_]+`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, name := range used.FindAllString(string(b), -1) {
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if base := strings.TrimSuffix(name, suffix); base != name && served[base] {
					name = base
				}
			}
			require.True(t, served[name], "%s names %s, which the daemon does not serve", f, name)
		}
	}
}

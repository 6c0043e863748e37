package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/syncerhq/syncer/db/dbq"
)

func dbqOf(m *mirror) *dbq.Queries { return dbq.New(m.DB.Pool) }

// quantilesOf summarizes lags in seconds.
func quantilesOf(values []float64) lagQuantiles {
	if len(values) == 0 {
		return lagQuantiles{}
	}
	s := slices.Sorted(slices.Values(values))
	at := func(q float64) float64 { return s[min(len(s)-1, int(math.Ceil(q*float64(len(s))))-1)] }
	return lagQuantiles{Count: len(s), P50: at(0.5), P95: at(0.95), Max: s[len(s)-1]}
}

// The exposition format puts le after the metric's own labels.
var lagBucket = regexp.MustCompile(`^syncer_webhook_lag_seconds_bucket\{[^}]*\ble="([^"]+)"\} (\d+)`) //nolint:gochecknoglobals // compiled once

// scrapeLag reads the daemon's syncer_webhook_lag_seconds histogram and
// estimates its quantiles, linearly within a bucket (as PromQL's
// histogram_quantile does).
func scrapeLag(ctx context.Context, metricsURL string) (lagQuantiles, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return lagQuantiles{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return lagQuantiles{}, fmt.Errorf("scrape the daemon's metrics: %w", err)
	}
	defer resp.Body.Close()
	bounds, counts, err := readBuckets(resp.Body)
	if err != nil || len(counts) == 0 {
		return lagQuantiles{}, fmt.Errorf("read syncer_webhook_lag_seconds: %v (%d buckets)", err, len(counts))
	}
	total := counts[len(counts)-1]
	q := func(p float64) float64 {
		rank := p * total
		for i, c := range counts {
			if c >= rank && !math.IsInf(bounds[i], 1) {
				lower, below := 0.0, 0.0
				if i > 0 {
					lower, below = bounds[i-1], counts[i-1]
				}
				if c == below {
					return bounds[i]
				}
				return lower + (bounds[i]-lower)*(rank-below)/(c-below)
			}
		}
		return bounds[len(bounds)-2] // beyond the largest finite bucket
	}
	return lagQuantiles{Count: int(total), P50: q(0.5), P95: q(0.95)}, nil
}

func readBuckets(r io.Reader) (bounds, counts []float64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := lagBucket.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		le, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return nil, nil, err
		}
		n, _ := strconv.ParseFloat(m[2], 64)
		bounds, counts = append(bounds, le), append(counts, n)
	}
	return bounds, counts, sc.Err()
}

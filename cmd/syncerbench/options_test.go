package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseOptions(t *testing.T) {
	t.Parallel()

	env := func(kv ...string) func(string) (string, bool) {
		return func(name string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == name {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}

	t.Run("DefaultsAreTheIssueFigures", func(t *testing.T) {
		t.Parallel()
		o, err := parseOptions(nil, io.Discard, env())
		require.NoError(t, err)
		require.Equal(t, 20_000, o.Size)
		require.Equal(t, 10, o.Comments)
		require.Equal(t, 200, o.Rate)
		require.Equal(t, time.Second, o.RateWindow)
		require.Equal(t, 50*time.Millisecond, o.Latency)
		require.Equal(t, scenarioNames(), o.Scenarios)
		require.Equal(t, defaultServerURL, o.ServerURL)
		require.Equal(t, 1, o.Repeat)
	})

	t.Run("QuickShrinksUnlessSizeIsGiven", func(t *testing.T) {
		t.Parallel()
		o, err := parseOptions([]string{"--quick"}, io.Discard, env())
		require.NoError(t, err)
		require.Equal(t, 2_000, o.Size)
		o, err = parseOptions([]string{"--quick", "--size", "500"}, io.Discard, env())
		require.NoError(t, err)
		require.Equal(t, 500, o.Size)
	})

	t.Run("FlagBeatsBenchURLBeatsTestURL", func(t *testing.T) {
		t.Parallel()
		o, err := parseOptions(nil, io.Discard, env("TEST_DATABASE_URL", "postgres://test", "BENCH_DATABASE_URL", "postgres://bench"))
		require.NoError(t, err)
		require.Equal(t, "postgres://bench", o.ServerURL)
		o, err = parseOptions([]string{"--database-url", "postgres://flag"}, io.Discard, env("BENCH_DATABASE_URL", "postgres://bench"))
		require.NoError(t, err)
		require.Equal(t, "postgres://flag", o.ServerURL)
	})

	t.Run("ScenariosRunInDependencyOrder", func(t *testing.T) {
		t.Parallel()
		o, err := parseOptions([]string{"--scenario", "latency, copy,backfill"}, io.Discard, env())
		require.NoError(t, err)
		require.Equal(t, []string{"backfill", "copy", "latency"}, o.Scenarios)
	})

	t.Run("RejectsUnknownScenarioAndTinySize", func(t *testing.T) {
		t.Parallel()
		_, err := parseOptions([]string{"--scenario", "backfil"}, io.Discard, env())
		require.ErrorContains(t, err, `unknown scenario "backfil"`)
		_, err = parseOptions([]string{"--size", "10"}, io.Discard, env())
		require.ErrorContains(t, err, "at least 40")
		_, err = parseOptions([]string{"--repeat", "0"}, io.Discard, env())
		require.ErrorContains(t, err, "--repeat must be positive")
		_, err = parseOptions([]string{"--repeat", "3", "--scenario", "backfill"}, io.Discard, env())
		require.ErrorContains(t, err, "select the copy scenario")
	})
}

func TestMedian(t *testing.T) {
	t.Parallel()
	require.Zero(t, median(nil))
	require.InDelta(t, 0.5, median([]float64{0.5}), 1e-9)
	require.InDelta(t, 0.52, median([]float64{0.58, 0.5, 0.52}), 1e-9)
	require.InDelta(t, 0.51, median([]float64{0.58, 0.5, 0.52, 0.4}), 1e-9)
}

package main

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/pgtest"
)

// TestDemoOwnsItsDatabase: with DATABASE_URL set, the demo mirrors into a
// database of its own on that server, never into the one DATABASE_URL names
// nor into any database it did not create; run again, it starts afresh.
func TestDemoOwnsItsDatabase(t *testing.T) {
	t.Parallel()
	target := pgtest.NewDB(t)
	own := pgtest.ReserveDB(t)
	env := []string{"DATABASE_URL=" + target, "SYNCER_DEMO_DATABASE=" + own}
	for range 2 {
		res := syncerOK(t, env, "demo", "--conversations", "40")
		require.Contains(t, res.stdout, "The mirror equals the source exactly")
		require.Contains(t, res.stderr, "its own database "+own)
		require.Contains(t, res.stdout, "/"+own+"?")
	}
	require.Zero(t, dbtest.Value[int](t, pgtest.NewPool(t, target),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "DATABASE_URL's database is untouched")

	u, err := url.Parse(pgtest.NewDB(t))
	require.NoError(t, err)
	other := strings.TrimPrefix(u.Path, "/")
	res := syncer(t, []string{"DATABASE_URL=" + target, "SYNCER_DEMO_DATABASE=" + other}, "demo", "--conversations", "10")
	require.Equal(t, exitUsage, res.code, res.stderr)
	require.Contains(t, res.stderr, "the demo did not create it")
}

// TestDemoServes: `syncer demo --serve` keeps the daemon running with the
// simulated API's webhooks, changes the workspace, and says how long each
// new reply took to reach the mirror; Ctrl-C stops it cleanly.
func TestDemoServes(t *testing.T) {
	t.Parallel()
	env := []string{"DATABASE_URL=" + pgtest.NewDB(t), "SYNCER_DEMO_DATABASE=" + pgtest.ReserveDB(t)}
	cmd, out := startSyncer(t, env, "demo", "--serve", "--conversations", "30")
	waitFor(t, "the demo to measure a new reply's way to the mirror", func() bool {
		return regexp.MustCompile(`demo: at the source: new comment on \S+ → in the mirror \d+\.\d\d s later`).MatchString(out.String())
	})
	require.Contains(t, out.String(), "webhooks from the API to:")
	require.NoError(t, stopWithin(t, cmd, os.Interrupt, time.Minute, out))
}

// TestRedactURLHidesEveryPassword: the demo prints the mirror's URL to copy
// into psql, with no password the user gave, in the user part or as a
// parameter.
func TestRedactURLHidesEveryPassword(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"postgres://u:pw1@h:5432/d?application_name=syncer-demo": "postgres://u:PASSWORD@h:5432/d?application_name=syncer-demo",
		"postgres://u@h/d?password=pw2&sslmode=require":          "postgres://u@h/d?password=PASSWORD&sslmode=require",
		"postgres://h/d?sslpassword=pw3&user=u&Password=pw4":     "postgres://h/d?Password=PASSWORD&sslpassword=PASSWORD&user=u",
		"postgres://u@h/d": "postgres://u@h/d",
	} {
		got := redactURL(raw)
		require.Equal(t, want, got)
		require.NotRegexp(t, `pw\d`, got)
	}
}

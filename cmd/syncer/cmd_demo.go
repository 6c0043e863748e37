package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/jobs"
)

// demoSource is the source name the demo mirrors under.
const demoSource = "demo"

// demoOptions are the demo's own flags.
type demoOptions struct {
	conversations int
	serve         bool
}

// demoCommand mirrors a simulated DevRev workspace, served in-process on
// loopback by the project's fake DevRev API, through the real sync path: a
// backfill, changes at the source, an incremental sync, and a check that the
// mirror is exact. With --serve it then keeps the daemon running.
func demoCommand() command {
	var shared *config.Flags
	var opts demoOptions
	var stop bool
	return command{
		name:     "demo",
		synopsis: "[--conversations 400] [--serve] [--stop]",
		summary: "mirror a simulated DevRev workspace (no setup\nneeded); --serve then keeps the daemon and the\n" +
			"simulated API running; --stop stops the private\nPostgreSQL it starts",
		flags: func(fs *flag.FlagSet, sh *config.Flags) {
			shared = sh
			fs.IntVar(&opts.conversations, "conversations", 400, "size of the simulated workspace")
			fs.BoolVar(&opts.serve, "serve", false, "then keep the daemon (with River UI and /metrics) and the simulated API running, changing the workspace every few seconds, until Ctrl-C")
			fs.BoolVar(&stop, "stop", false, "stop the demo's private PostgreSQL cluster and exit")
		},
		check: func() error {
			if opts.conversations < 1 {
				return fmt.Errorf("--conversations %d: want at least 1", opts.conversations)
			}
			return nil
		},
		run: func(ctx context.Context, e env, _ *app) error {
			if stop {
				return stopDemoCluster(ctx, e, demoDataDir(e))
			}
			return demo(ctx, e, *shared, opts)
		},
	}
}

// demo runs the demo with the shared flags given.
func demo(ctx context.Context, e env, flags config.Flags, opts demoOptions) error {
	dbURL, err := demoDatabase(ctx, e, flags)
	if err != nil {
		return err
	}
	ws := devrevtest.Demo(opts.conversations, time.Now())
	token := randomToken()
	// Faults a real API shows: empty pages that still have a cursor, the odd
	// 500/503, and a rate limit that forces pacing and 429s.
	server := devrevtest.NewServer(ws, devrevtest.Options{
		Token: token, Seed: 42, EmptyPageRate: 0.1, Faults: fakeapi.Faults{FailureRate: 0.02, RateLimit: 400, RateWindow: 2 * time.Second},
	})
	defer server.Close()
	fmt.Fprintf(e.stderr, "demo: simulated DevRev API with %d conversations at %s\n", opts.conversations, server.URL())

	// Served, the demo takes the simulated API's webhooks on loopback, as
	// a real deployment would take DevRev's.
	hookSecret := randomToken()[:32] // DevRev takes 8 to 32 bytes
	a, err := openDemoApp(ctx, e, flags, dbURL, config.Source{
		Name: demoSource, Kind: devrev.Kind().Name, APIURL: server.URL(), Token: config.Secret(token),
		Options: map[string]config.Secret{"webhook_secret": config.Secret(hookSecret)},
	})
	if err != nil {
		return err
	}
	defer a.close()
	if err := demoSync(ctx, e, a, ws, server); err != nil {
		return err
	}
	if err := printDemoSummary(ctx, a, e.stdout, dbURL); err != nil {
		return err
	}
	if opts.serve {
		a.cfg.WebhookAddr = "127.0.0.1:0"
		return serveDemo(ctx, e, a, demoAPI{ws: ws, server: server, webhookSecret: hookSecret}, dbURL)
	}
	return nil
}

// openDemoApp opens the app on the demo's database with source as its only
// source. Its configuration is built here, not read from the environment
// or a file: it must not pick up a real token or source by accident. Only
// where the daemon listens passes through, for --serve.
func openDemoApp(ctx context.Context, e env, flags config.Flags, dbURL string, source config.Source) (*app, error) {
	defaults := map[string]string{"SYNCER_HTTP_ADDR": "127.0.0.1:8080", "SYNCER_INTERVAL": "5s"}
	demoEnv := func(name string) (string, bool) {
		switch name {
		case "DATABASE_URL":
			return dbURL, true
		case "SYNCER_HTTP_ADDR", "SYNCER_INTERVAL", "SYNCER_ADMIN_ADDR", "SYNCER_ADMIN_USER", "SYNCER_ADMIN_PASSWORD":
			if v, ok := e.lookup(name); ok {
				return v, true
			}
			v, ok := defaults[name]
			return v, ok
		}
		return "", false
	}
	flags.ConfigPath, flags.DatabaseURL = "", ""
	if flags.LogLevel == "" {
		flags.LogLevel = "warn"
	}
	a, err := openApp(ctx, env{stdout: e.stdout, stderr: e.stderr, lookup: demoEnv}, flags, false)
	if err != nil {
		return nil, err
	}
	a.cfg.Sources = []config.Source{source}
	sources, err := buildSources(a.cfg, a.pool, a.metrics, a.log)
	if err != nil {
		a.close()
		return nil, err
	}
	a.deps.Sources, a.deps.Reach = sources.clients, sources.reach
	if _, err := db.Migrate(ctx, a.pool); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// demoSync backfills the workspace, changes it, syncs again and checks the
// mirror equals it.
func demoSync(ctx context.Context, e env, a *app, ws *devrevtest.Workspace, server *devrevtest.Server) error {
	fmt.Fprintln(e.stderr, "\n== backfill: the whole history")
	if err := runPasses(ctx, a, jobs.PassOptions{Kind: jobs.PassBackfill}, []string{demoSource}); err != nil {
		return err
	}
	changes := changeWorkspace(ws)
	fmt.Fprintf(e.stderr, "\n== %s at the source; incremental sync\n", changes)
	if err := runPasses(ctx, a, jobs.PassOptions{Kind: jobs.PassIncremental}, []string{demoSource}); err != nil {
		return err
	}
	diffs, err := mirrorcheck.Compare(ctx, dbq.New(a.pool), demoSource, mirrorcheck.DevRev(ws.Snapshot()))
	if err != nil {
		return err
	}
	stats := server.Stats()
	fmt.Fprintf(e.stdout, "\nThe simulated API answered %d requests: %d rate-limited (429), %d server errors (5xx).\n",
		stats.Total, stats.RateLimited, stats.Failures)
	if len(diffs) > 0 {
		return fmt.Errorf("the mirror differs from the source:\n  %s", strings.Join(diffs, "\n  "))
	}
	fmt.Fprintln(e.stdout, "The mirror equals the source exactly: every conversation, comment, SLA metric, chat and user.")
	return nil
}

// changeWorkspace makes the kinds of change a help desk sees between passes.
func changeWorkspace(ws *devrevtest.Workspace) string {
	snap := ws.Snapshot()
	n := min(len(snap.Conversations), 5)
	for i := range n {
		c := snap.Conversations[i]
		switch i % 3 {
		case 0:
			ws.AddComment(c.ID, "Thanks, that fixed it! 🎉", "external")
		case 1:
			ws.EditConversation(c.ID, c.Title+" (updated)")
			ws.AddComment(c.ID, "Escalating to the billing team.", "internal")
		case 2:
			ws.SetStage(c.ID, "resolved")
		}
	}
	if len(snap.Conversations) > 0 && len(snap.Conversations[0].Comments) > 0 {
		ws.DeleteComment(snap.Conversations[0].Comments[0].ID)
	}
	ws.AddConversation("Cannot log in after password reset")
	return fmt.Sprintf("%d conversations changed, 1 comment deleted, 1 conversation created", n)
}

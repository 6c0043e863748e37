package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/internal/pgcluster"
	"github.com/syncerhq/syncer/jobs"
)

// demoSource is the source name the demo mirrors under, apart from any real
// "devrev" source in the same database.
const demoSource = "demo"

// demoCommand mirrors a simulated DevRev workspace, served in-process on loopback
// by the project's fake DevRev API, through the real sync path: a backfill,
// changes at the source, an incremental sync, and a check that the mirror is
// exact.
func demoCommand() command {
	var shared *config.Flags
	var conversations int
	var stop bool
	return command{
		name:     "demo",
		synopsis: "[--conversations 400] [--stop]",
		summary:  "mirror a simulated DevRev workspace (no setup\nneeded); --stop stops its private PostgreSQL",
		flags: func(fs *flag.FlagSet, sh *config.Flags) {
			shared = sh
			fs.IntVar(&conversations, "conversations", 400, "size of the simulated workspace")
			fs.BoolVar(&stop, "stop", false, "stop the demo's private PostgreSQL cluster and exit")
		},
		run: func(ctx context.Context, e env, _ *app) error {
			if stop {
				return stopDemoCluster(ctx, e, demoDataDir(e))
			}
			return demo(ctx, e, *shared, conversations)
		},
	}
}

// demo runs the demo with the shared flags given.
func demo(ctx context.Context, e env, flags config.Flags, conversations int) error {
	dataDir := demoDataDir(e)

	dbURL := flags.DatabaseURL
	if dbURL == "" {
		dbURL, _ = e.lookup("DATABASE_URL")
	}
	if dbURL == "" {
		var err error
		if dbURL, err = startDemoCluster(ctx, e, dataDir); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stderr, "demo: mirroring into DATABASE_URL")
	}

	ws := devrevtest.Generate(devrevtest.GenerateConfig{
		Seed: 42, Conversations: conversations, CommentsPerConversation: 8,
		Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	})
	token := randomToken()
	// Faults a real API shows: empty pages that still have a cursor, the odd
	// 500/503, and a rate limit that forces pacing and 429s.
	server := devrevtest.NewServer(ws, devrevtest.Options{
		Token: token, Seed: 42, EmptyPageRate: 0.1, FailureRate: 0.02, RateLimit: 400, RateWindow: 2 * time.Second,
	})
	defer server.Close()
	fmt.Fprintf(e.stderr, "demo: simulated DevRev API with %d conversations at %s\n", conversations, server.URL())

	// The demo's configuration is built here, not read from the environment:
	// it must not pick up a real token or source by accident.
	demoEnv := func(name string) (string, bool) {
		switch name {
		case "DATABASE_URL":
			return dbURL, true
		case "SYNCER_CONFIG":
			return "", false
		}
		return "", false
	}
	flags.ConfigPath = ""
	flags.DatabaseURL = ""
	if flags.LogLevel == "" {
		flags.LogLevel = "warn"
	}
	a, err := openApp(ctx, env{stdout: e.stdout, stderr: e.stderr, lookup: demoEnv}, flags, false)
	if err != nil {
		return err
	}
	defer a.close()
	a.cfg.Sources = []config.Source{{Name: demoSource, Kind: devrev.Kind().Name, APIURL: server.URL(), Token: config.Secret(token)}}
	sources, err := buildSources(a.cfg, a.pool, a.metrics, a.log)
	if err != nil {
		return err
	}
	a.deps.Sources, a.deps.Reach = sources.clients, sources.reach

	if _, err := db.Migrate(ctx, a.pool); err != nil {
		return err
	}
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
	return printDemoSummary(ctx, a, e.stdout, dbURL)
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

func printDemoSummary(ctx context.Context, a *app, w io.Writer, dbURL string) error {
	q := dbq.New(a.pool)
	counts, err := q.RowCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWhat landed:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TABLE\tROWS\tDELETED")
	for _, c := range counts {
		if c.Source == demoSource {
			fmt.Fprintf(tw, "  %s\t%d\t%d\n", c.Tbl, c.Total, c.Deleted)
		}
	}
	_ = tw.Flush()

	byStatus, err := q.ConversationsByStatus(ctx, demoSource)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nConversations by status:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range byStatus {
		fmt.Fprintf(tw, "  %s\t%d\n", s.Status, s.Conversations)
	}
	_ = tw.Flush()

	h, err := q.Headlines(ctx, demoSource)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nFrom the analytics views (see the README's cookbook):")
	fmt.Fprintf(w, "  answered by an agent:         %d of %d conversations\n", h.Answered, h.Conversations)
	if h.MedianFirstResponseSeconds >= 0 {
		fmt.Fprintf(w, "  median first response:        %s\n", (time.Duration(h.MedianFirstResponseSeconds) * time.Second).Round(time.Minute))
	}
	if h.MedianResolutionSeconds >= 0 {
		fmt.Fprintf(w, "  median time to resolution:    %s\n", (time.Duration(h.MedianResolutionSeconds) * time.Second).Round(time.Minute))
	}
	if h.SlaBreachRate >= 0 {
		fmt.Fprintf(w, "  SLA targets breached:         %.1f%%\n", 100*h.SlaBreachRate)
	}

	fmt.Fprintf(w, "\nQuery it yourself:\n  psql '%s'\n", redactURL(dbURL))
	fmt.Fprintf(w, "  SELECT channel, count(*), avg(first_response_seconds) FROM conversation_metrics WHERE source = '%s' GROUP BY 1;\n", demoSource)
	return nil
}

// demoDataDir is where the demo keeps its private cluster.
func demoDataDir(e env) string {
	if dir, ok := e.lookup("SYNCER_DEMO_DIR"); ok && dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "syncer-demo", "pgdata")
}

func startDemoCluster(ctx context.Context, e env, dataDir string) (string, error) {
	fmt.Fprintf(e.stderr, "demo: DATABASE_URL is not set; starting a private PostgreSQL cluster in %s\n", dataDir)
	cluster, err := pgcluster.Start(ctx, dataDir)
	if err != nil {
		if errors.Is(err, pgcluster.ErrNoBinaries) {
			return "", usageError{err}
		}
		return "", fmt.Errorf("start private PostgreSQL: %w", err)
	}
	// The demo's database is its own: every run starts from an empty one,
	// so that what it shows (and checks) is this run's mirror alone.
	if err := cluster.DropDatabase(ctx, "syncer_demo"); err != nil {
		return "", err
	}
	if err := cluster.CreateDatabase(ctx, "syncer_demo"); err != nil {
		return "", err
	}
	fmt.Fprintf(e.stderr, "demo: cluster running on 127.0.0.1:%d; it keeps running after the demo (stop it with 'syncer demo --stop')\n", cluster.Port)
	return cluster.URL("syncer_demo"), nil
}

func stopDemoCluster(ctx context.Context, e env, dataDir string) error {
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		fmt.Fprintf(e.stdout, "no demo cluster in %s\n", dataDir)
		return nil
	}
	cluster, err := pgcluster.Start(ctx, dataDir)
	if err != nil {
		return err
	}
	if err := cluster.Stop(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "stopped the demo cluster in %s (remove the directory to delete its data)\n", dataDir)
	return nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

// redactURL hides a database URL's password, which the user may have given.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "PASSWORD")
	}
	return u.String()
}

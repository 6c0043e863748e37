package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// demoAPI is the simulated DevRev the demo mirrors.
type demoAPI struct {
	ws            *devrevtest.Workspace
	server        *devrevtest.Server
	webhookSecret string
}

// serveDemo keeps the daemon running on the demo's mirror, with River UI,
// /metrics and the simulated API's webhooks, while the simulated workspace
// changes every few seconds, until ctx ends (Ctrl-C).
func serveDemo(ctx context.Context, e env, a *app, api demoAPI, dbURL string) error {
	fmt.Fprintln(e.stderr, "\n== serving: the daemon keeps the mirror fresh while the workspace changes (Ctrl-C stops)")
	return daemon(ctx, a, 10*time.Second, func(ep endpoints) {
		fmt.Fprintln(e.stdout, "\nLook at:")
		if ep.Admin != "" {
			fmt.Fprintf(e.stdout, "  River UI (jobs and queues):  %s\n", ep.Admin)
		}
		fmt.Fprintf(e.stdout, "  Prometheus metrics:          %s/metrics\n", ep.HTTP)
		fmt.Fprintf(e.stdout, "  the mirror:                  psql '%s'\n", redactURL(dbURL))
		// In the environment, not on the command line, which every user of
		// the machine can read (ps) with the password in it.
		fmt.Fprintf(e.stdout, "  what it says of itself:      DATABASE_URL='%s' %s\n", redactURL(dbURL), selfCommand("status"))
		if ep.Webhooks != "" {
			if _, err := api.server.AddWebhook(ep.Webhooks+demoSource, api.webhookSecret); err != nil {
				fmt.Fprintf(e.stderr, "demo: the simulated API could not register its webhook (%v): polling only\n", err)
			} else {
				fmt.Fprintf(e.stdout, "  webhooks from the API to:    %s%s\n", ep.Webhooks, demoSource)
			}
		}
		go keepChanging(ctx, e, api.ws, a.pool, 3*time.Second)
	})
}

// keepChanging makes a change at the source every interval, as a help desk
// would: a reply, a new conversation, one resolved, one renamed; and says
// how long the new ones took to reach the mirror.
func keepChanging(ctx context.Context, e env, ws *devrevtest.Workspace, pool *pgxpool.Pool, every time.Duration) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		convs := ws.Snapshot().Conversations
		if len(convs) == 0 {
			continue
		}
		c := convs[rng.IntN(len(convs))]
		var what string
		made := time.Now()
		switch n % 4 {
		case 0:
			title := fmt.Sprintf("New question #%d from the demo", n)
			id := ws.AddConversation(title)
			what = "new conversation " + id + inMirror(ctx, pool, made,
				"SELECT EXISTS (SELECT 1 FROM conversations WHERE source = $1 AND title = $2)", title)
		case 1:
			body := fmt.Sprintf("Customer follow-up #%d", n)
			ws.AddComment(c.ID, body, "external")
			what = "new comment on " + c.DisplayID + inMirror(ctx, pool, made,
				"SELECT EXISTS (SELECT 1 FROM messages WHERE source = $1 AND body = $2)", body)
		case 2:
			ws.SetStage(c.ID, "resolved")
			what = c.DisplayID + " resolved"
		case 3:
			ws.EditConversation(c.ID, c.Title+" (edited)")
			what = c.DisplayID + " renamed"
		}
		fmt.Fprintf(e.stderr, "demo: at the source: %s\n", what)
	}
}

// inMirror waits until probe (which takes the source and text) finds the
// change made at made in the mirror, and says how long that took: the lag a
// user of the mirror sees, a webhook's or a pass's.
func inMirror(ctx context.Context, pool *pgxpool.Pool, made time.Time, probe, text string) string {
	const limit = 30 * time.Second
	for time.Since(made) < limit {
		var found bool
		if err := pool.QueryRow(ctx, probe, demoSource, text).Scan(&found); err != nil {
			return ""
		}
		if found {
			return fmt.Sprintf(" → in the mirror %.2f s later", time.Since(made).Seconds())
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Sprintf(" → not in the mirror after %s", limit)
}

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// serveDemo keeps the daemon running on the demo's mirror, with River UI and
// /metrics, while the simulated workspace changes every few seconds, until
// ctx ends (Ctrl-C).
func serveDemo(ctx context.Context, e env, a *app, ws *devrevtest.Workspace, dbURL string) error {
	fmt.Fprintln(e.stderr, "\n== serving: the daemon keeps the mirror fresh while the workspace changes (Ctrl-C stops)")
	go keepChanging(ctx, e, ws, 3*time.Second)
	return daemon(ctx, a, 10*time.Second, func(ep endpoints) {
		fmt.Fprintln(e.stdout, "\nLook at:")
		if ep.Admin != "" {
			fmt.Fprintf(e.stdout, "  River UI (jobs and queues):  %s\n", ep.Admin)
		}
		fmt.Fprintf(e.stdout, "  Prometheus metrics:          %s/metrics\n", ep.HTTP)
		fmt.Fprintf(e.stdout, "  the mirror:                  psql '%s'\n", redactURL(dbURL))
		fmt.Fprintf(e.stdout, "  what it says of itself:      %s --database-url '%s'\n", selfCommand("status"), redactURL(dbURL))
	})
}

// keepChanging makes a change at the source every interval, as a help desk
// would: a reply, a new conversation, one resolved, one renamed.
func keepChanging(ctx context.Context, e env, ws *devrevtest.Workspace, every time.Duration) {
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
		switch n % 4 {
		case 0:
			id := ws.AddConversation(fmt.Sprintf("New question #%d from the demo", n))
			what = "new conversation " + id
		case 1:
			ws.AddComment(c.ID, fmt.Sprintf("Customer follow-up #%d", n), "external")
			what = "new comment on " + c.DisplayID
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

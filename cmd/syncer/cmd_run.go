package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/webhooks"
)

// runCommand is the daemon: workers plus an incremental pass of every source
// every interval, until SIGTERM or Ctrl-C.
func runCommand() command {
	var grace time.Duration
	return command{
		name:     "run",
		synopsis: "[--interval 1m] [--workers 16] [--shutdown-grace 30s]",
		summary:  "daemon: workers + periodic incremental passes;\n/healthz, /readyz, /metrics",
		flags: func(fs *flag.FlagSet, shared *config.Flags) {
			shared.RegisterWorkers(fs)
			shared.RegisterInterval(fs)

			fs.DurationVar(&grace, "shutdown-grace", 30*time.Second, "time jobs in flight get to finish on shutdown")
		},
		needs: openMirrorSource,
		check: func() error {
			if grace < 0 {
				return fmt.Errorf("--shutdown-grace %s: want 0 or more", grace)
			}
			return nil
		},
		run: func(ctx context.Context, _ env, a *app) error { return daemon(ctx, a, grace, nil) },
	}
}

// daemon serves /healthz, /readyz and /metrics, runs the workers and the
// periodic passes, and serves River UI, until ctx ends; then it gives the
// jobs in flight grace to finish. ready, when set, hears the servers' URLs.
func daemon(ctx context.Context, a *app, grace time.Duration, ready func(endpoints)) error {
	mux := http.NewServeMux()
	// healthz: the process is alive. readyz: it can do its work (database
	// reachable, schema current). metrics: Prometheus.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", a.metrics.Handler())
	ops, err := a.listen(a.cfg.HTTPAddr, "SYNCER_HTTP_ADDR", mux)
	if err != nil {
		return err
	}
	defer func() { a.log.Info().Msg("stopped") }()
	defer ops.close()

	w, err := a.startWorkers(ctx, a.cfg.PassInterval)
	if err != nil {
		return err
	}
	defer w.stop(grace)
	hooks, err := a.serveWebhooks(w)
	if err != nil {
		return err
	}
	defer hooks.close()
	admin, err := a.serveAdmin(w)
	if err != nil {
		return err
	}
	defer admin.close()
	ep := endpoints{HTTP: ops.URL(""), Webhooks: hooks.URL("/webhooks/"), Admin: admin.URL("/riverui/")}
	a.log.Info().Strs("sources", a.cfg.SourceNames()).Stringer("interval", a.cfg.PassInterval).
		Int("workers", a.cfg.Workers).Str("http_addr", ops.ln.Addr().String()).Str("river_ui", ep.Admin).Str("webhooks", ep.Webhooks).Msg("syncer running")
	if ready != nil {
		ready(ep)
	}

	// A database outage is waited through (jobs snooze, River retries)
	// for up to its grace; past it, exit 1, for a supervisor to see.
	if err := waitOutageExceeded(ctx, a.deps.DB); err != nil {
		return err
	}
	a.log.Info().Stringer("grace", grace).Msg("shutting down: finishing jobs in flight")
	return nil
}

// endpoints are where a running daemon answers.
type endpoints struct {
	HTTP  string // /healthz, /readyz, /metrics
	Admin string // River UI; empty when off
	// Webhooks is where the vendors post, followed by a source's name;
	// empty when off.
	Webhooks string
}

// serveWebhooks accepts the vendors' webhooks on the webhook address: each
// authentic delivery queues a re-read of the conversations it names. Without
// an address, it serves nothing and returns nil.
func (a *app) serveWebhooks(w *workers) (*httpServer, error) {
	if a.cfg.WebhookAddr == "" {
		return nil, nil
	}
	for _, s := range a.cfg.Sources {
		switch {
		case s.Options["webhook_unsigned"] == "true":
			a.log.Warn().Str("source", s.Name).Msg("accepting unsigned webhooks: anyone who reaches the endpoint can make syncer read a conversation again, and keep its re-check of open conversations at the slower pace it takes while webhooks arrive (set a secret on the webhook and webhook_secret instead)")
		case s.Options["webhook_secret"] == "":
			if _, ok := a.deps.Sources[s.Name].(fetcher.WebhookReceiver); ok {
				a.log.Warn().Str("source", s.Name).Msg("no webhook_secret: the source's webhooks will be refused")
			}
		}
	}
	h := webhooks.New(webhooks.Config{
		Sources: a.deps.Sources,
		Queue: func(ctx context.Context, source string, ids []string, at time.Time) error {
			return a.deps.QueueRefreshes(ctx, w.client, source, ids, at)
		},
		Noted:   a.deps.NoteWebhook,
		Observe: a.metrics.ObserveWebhook,
		Log:     a.log.With().Str("component", "webhooks").Logger(),
	})
	mux := http.NewServeMux()
	mux.Handle("/webhooks/{source}", h)
	return a.listen(a.cfg.WebhookAddr, "SYNCER_WEBHOOK_ADDR", mux)
}

// serveAdmin serves River UI on the admin address, with the workers' client.
// Without an address, it serves nothing and returns nil.
func (a *app) serveAdmin(w *workers) (*httpServer, error) {
	if a.cfg.AdminAddr == "" {
		return nil, nil
	}
	h, err := a.adminHandler(w.bg, w.client)
	if err != nil {
		return nil, err
	}
	return a.listen(a.cfg.AdminAddr, "SYNCER_ADMIN_ADDR", h)
}

// readyz answers 200 when the database answers and its schema is current.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	err := a.pool.Ping(ctx)
	a.deps.DB.Observe(err)
	if err != nil {
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	pending, err := db.PendingMigrations(ctx, a.pool)
	switch {
	case err != nil:
		http.Error(w, "cannot read the schema version", http.StatusServiceUnavailable)
	case pending:
		http.Error(w, "schema not current: run syncer migrate", http.StatusServiceUnavailable)
	default:
		_, _ = w.Write([]byte("ready\n"))
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
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
		run:   func(ctx context.Context, _ env, a *app) error { return daemon(ctx, a, grace) },
	}
}

// daemon serves /healthz, /readyz and /metrics and runs the workers and the
// periodic passes until ctx ends, then gives the jobs in flight grace to
// finish.
func daemon(ctx context.Context, a *app, grace time.Duration) error {
	mux := http.NewServeMux()
	// healthz: the process is alive. readyz: it can do its work (database
	// reachable, schema current). metrics: Prometheus.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", a.metrics.Handler())
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return usageError{fmt.Errorf("listen on %s (SYNCER_HTTP_ADDR): %w", a.cfg.HTTPAddr, err)}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error().Err(err).Msg("http server")
		}
	}()

	w, err := a.startWorkers(ctx, a.cfg.PassInterval)
	if err != nil {
		return err
	}
	a.log.Info().Strs("sources", a.cfg.SourceNames()).Stringer("interval", a.cfg.PassInterval).
		Int("workers", a.cfg.Workers).Str("http_addr", ln.Addr().String()).Msg("syncer running")

	<-ctx.Done()
	a.log.Info().Stringer("grace", grace).Msg("shutting down: finishing jobs in flight")
	w.stop(grace)
	shutdownCtx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = srv.Shutdown(shutdownCtx)
	a.log.Info().Msg("stopped")
	return nil
}

// readyz answers 200 when the database answers and its schema is current.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := a.pool.Ping(ctx); err != nil {
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

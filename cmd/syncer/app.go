package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/kinds"
	"github.com/syncerhq/syncer/jobs"
	"github.com/syncerhq/syncer/metrics"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev" //nolint:gochecknoglobals // set by the linker

// app is what a command has once its configuration is loaded and checked.
type app struct {
	cfg     *config.Config
	log     zerolog.Logger
	pool    *pgxpool.Pool
	deps    *jobs.Deps
	metrics *metrics.Metrics
	stderr  io.Writer
}

// openApp loads the configuration and connects to the database. needSources
// makes a configuration without sources an error.
func openApp(ctx context.Context, e env, flags config.Flags, needSources bool) (*app, error) {
	cfg, err := config.Load(flags, e.lookup, kinds.All())
	if err != nil {
		return nil, usageError{fmt.Errorf("configuration: %w", err)}
	}
	if cfg.DatabaseURL == "" {
		return nil, usageError{errors.New("configuration: DATABASE_URL is not set (or pass --database-url)")}
	}
	if needSources && len(cfg.Sources) == 0 {
		var vars []string
		for _, k := range kinds.All() {
			vars = append(vars, k.EnablingVars()...)
		}
		return nil, usageError{fmt.Errorf("configuration: no source configured: set %s, or declare sources in --config", strings.Join(vars, " or "))}
	}
	log, err := newLogger(e.stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return nil, usageError{err}
	}
	users := jobs.NewUserCache()
	pool, err := db.Connect(ctx, cfg.DatabaseURL.Reveal(), users.Forget)
	if err != nil {
		var unreachable *db.UnreachableError
		switch {
		case errors.Is(err, db.ErrBadURL):
			return nil, usageError{fmt.Errorf("configuration: %w", err)}
		case errors.As(err, &unreachable):
			return nil, usageError{err}
		}
		return nil, err
	}
	a := &app{cfg: cfg, log: log, pool: pool, stderr: e.stderr, metrics: metrics.New(pool)}
	sources, err := buildSources(cfg, pool, a.metrics, log)
	if err != nil {
		pool.Close()
		return nil, usageError{err}
	}
	timings := jobs.Timings{Overlap: cfg.Overlap, SweepInterval: cfg.SweepInterval,
		OpenRecheckInterval: cfg.OpenRecheckInterval, WebhookRecheckInterval: cfg.WebhookRecheckInterval,
		UnreachableTimeout: cfg.UnreachableTimeout}
	health := &db.Health{Where: db.Where(pool), Grace: cfg.DBOutageGrace, OnChange: logDatabase(log)}
	a.deps = jobs.NewDeps(pool, sources.clients, log, timings, jobs.WithObserver(a.metrics),
		jobs.WithUserCache(users), jobs.WithReach(sources.reach), jobs.WithDatabaseHealth(health))
	return a, nil
}

// logDatabase says, once per change, that the database stopped or started
// answering (syncer_database_up says it at each scrape).
func logDatabase(log zerolog.Logger) func(db.HealthState) {
	var since time.Time // OnChange calls come one at a time
	return func(st db.HealthState) {
		if st.Up() {
			log.Info().Stringer("outage", time.Since(since).Round(time.Second)).Msg("the database answers again")
			return
		}
		since = st.DownSince
		log.Warn().Str("error", st.LastError).
			Msgf("database unreachable since %s, retrying", st.DownSince.Local().Format(time.TimeOnly))
	}
}

func (a *app) close() { a.pool.Close() }

// requireSchema refuses to work on a database whose schema is behind.
func (a *app) requireSchema(ctx context.Context) error {
	pending, err := db.PendingMigrations(ctx, a.pool)
	if err != nil {
		return err
	}
	if pending {
		return usageError{errors.New("the database schema is not up to date: run 'syncer migrate' first")}
	}
	return nil
}

// sourceSet is the clients of the configured sources, with what each
// records of whether its API answers.
type sourceSet struct {
	clients map[string]fetcher.Source
	reach   map[string]*fetcher.Reach
}

// buildSources creates a client per configured source, each with its own
// pacer, through its kind. All sources of one process share nothing but the
// database.
func buildSources(cfg *config.Config, pool *pgxpool.Pool, m *metrics.Metrics, log zerolog.Logger) (sourceSet, error) {
	set := sourceSet{clients: map[string]fetcher.Source{}, reach: map[string]*fetcher.Reach{}}
	up := map[string]func() bool{}
	for _, s := range cfg.Sources {
		kind, ok := kindNamed(s.Kind)
		if !ok {
			return set, fmt.Errorf("source %s: unknown kind %s", s.Name, s.Kind)
		}
		pause := jobs.PauseOnRefusal(pool, s.Name, log)
		reach := &fetcher.Reach{URL: cmp.Or(s.APIURL, kind.DefaultURL), OnChange: logReach(log, s.Name)}
		src, err := kind.New(s.Settings(), fetcher.ClientDeps{
			HTTP: fetcher.Config{
				UserAgent:   "syncer/" + version,
				Reach:       reach,
				ObserveFunc: func(endpoint string, status int) { m.ObserveRequest(s.Name, endpoint, status) },
				RateLimitedFunc: func(ctx context.Context, endpoint string, wait time.Duration) {
					m.ObserveRateLimit(s.Name, wait)
					pause(ctx, endpoint, wait)
				},
			},
			ModifiedAtFunc: db.MirroredModifiedAt(pool, s.Name),
		})
		if err != nil {
			return set, fmt.Errorf("source %s: %w", s.Name, err)
		}
		set.clients[s.Name], set.reach[s.Name] = src, reach
		up[s.Name] = func() bool { return reach.State().Up() }
	}
	m.WatchSources(up)
	return set, nil
}

// logReach says, once per change, that a source's API stopped or started
// answering.
func logReach(log zerolog.Logger, source string) func(fetcher.ReachState) {
	return func(st fetcher.ReachState) {
		if st.Up() {
			log.Info().Str("source", source).Str("url", st.URL).Msg("the API answers again")
			return
		}
		log.Warn().Str("source", source).Str("url", st.URL).Str("error", st.LastError).
			Msgf("%s: cannot reach %s: %s; retrying", source, st.URL, st.LastError)
	}
}

// kindNamed returns the kind of source called name.
func kindNamed(name string) (fetcher.Kind, bool) {
	for _, k := range kinds.All() {
		if k.Name == name {
			return k, true
		}
	}
	return fetcher.Kind{}, false
}

// workers is this process's River client with its liveness keeper.
type workers struct {
	client *river.Client[pgx.Tx]
	a      *app
	// bg lives as long as the workers: what serves them stops with it.
	bg      context.Context
	cancel  context.CancelFunc
	running sync.WaitGroup // the liveness keeper and the database's watch
}

// startWorkers registers this process and starts working jobs; interval,
// when positive, schedules periodic passes (the daemon). The workers outlive
// ctx: stop them with stop, which lets jobs in flight finish.
func (a *app) startWorkers(ctx context.Context, interval time.Duration) (*workers, error) {
	id := jobs.NewClientID()
	client, err := jobs.NewClient(a.deps, jobs.ClientConfig{
		ID:           id,
		Workers:      a.cfg.Workers,
		PassInterval: interval,
		// River's own logs join ours, with a component field; its info
		// lines (every job) are too many for production logs.
		// Its complaints about an unreachable database are said once, by
		// logDatabase, instead.
		Logger: slog.New(outageQuiet{health: a.deps.DB,
			Handler: zerolog.NewSlogHandler(a.log.With().Str("component", "river").Logger().Level(max(a.log.GetLevel(), zerolog.WarnLevel)))}),
	})
	if err != nil {
		return nil, err
	}
	live := jobs.NewLiveness(a.deps, id)
	if err := live.Register(ctx); err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := client.Start(bg); err != nil {
		cancel()
		return nil, fmt.Errorf("start workers: %w", err)
	}
	w := &workers{client: client, a: a, bg: bg, cancel: cancel}
	w.running.Go(func() { live.Run(bg) })
	w.running.Go(func() {
		pinger := db.NewPinger(a.pool.Config().ConnConfig)
		defer pinger.Close()
		a.deps.DB.Watch(bg, pinger.Ping)
	})
	return w, nil
}

// stop lets jobs in flight finish for up to grace, then cancels them; a
// cancelled page is snoozed and runs again at once on the next start.
func (w *workers) stop(grace time.Duration) {
	if !w.a.deps.DB.State().Up() {
		// Nothing can be written: cancel at once. The jobs in flight stay
		// running in the queue until the process is taken for dead, and
		// then run again.
		w.stopNow(2 * time.Second)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := w.client.Stop(ctx); err != nil {
		w.a.log.Warn().Stringer("grace", grace).Msg("grace period over: cancelling jobs in flight (they resume on next start)")
		w.stopNow(10 * time.Second)
		return
	}
	w.cancel()
	w.running.Wait()
}

// stopNow cancels the jobs in flight and gives River up to limit to stop.
func (w *workers) stopNow(limit time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := w.client.StopAndCancel(ctx); err != nil && w.a.deps.DB.State().Up() {
		w.a.log.Warn().Err(err).Msg("stop workers")
	}
	w.cancel()
	w.running.Wait()
}

func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("configuration: log level %q: want debug, info, warn or error", level)
	}
	out := w
	if format == "console" || (format == "auto" && isTerminal(w)) {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger(), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func asUsage(err error, target *usageError) bool { return errors.As(err, target) }

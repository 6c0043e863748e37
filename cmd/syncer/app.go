package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/devrev"
	"github.com/syncerhq/syncer/jobs"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev" //nolint:gochecknoglobals // set by the linker

// app is what a command has once its configuration is loaded and checked.
type app struct {
	cfg    *config.Config
	log    zerolog.Logger
	pool   *pgxpool.Pool
	deps   *jobs.Deps
	stderr io.Writer
}

// newFlagSet returns a command's flag set with the shared flags registered.
func newFlagSet(name string, e env, shared *config.Flags) *flag.FlagSet {
	fs := flag.NewFlagSet("syncer "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	shared.Register(fs)
	return fs
}

// parseFlags parses args; a parse error is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{errors.New("help requested")}
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// openApp loads the configuration and connects to the database. needSources
// makes a configuration without sources an error.
func openApp(ctx context.Context, e env, flags config.Flags, needSources bool) (*app, error) {
	cfg, err := config.Load(flags, e.lookup)
	if err != nil {
		return nil, usageError{fmt.Errorf("configuration: %w", err)}
	}
	if cfg.DatabaseURL == "" {
		return nil, usageError{errors.New("configuration: DATABASE_URL is not set (or pass --database-url)")}
	}
	if needSources && len(cfg.Sources) == 0 {
		return nil, usageError{errors.New("configuration: no source configured: set DEVREV_TOKEN (or CHATWOOT_*, CHATVOLT_API_KEY), or declare sources in --config")}
	}
	log, err := newLogger(e.stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return nil, usageError{err}
	}
	pool, err := connect(ctx, cfg.DatabaseURL.Reveal())
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, pool: pool, stderr: e.stderr}
	sources, err := buildSources(cfg)
	if err != nil {
		pool.Close()
		return nil, usageError{err}
	}
	a.deps = &jobs.Deps{Pool: pool, Sources: sources, Logger: log, Overlap: cfg.Overlap}
	return a, nil
}

func (a *app) close() { a.pool.Close() }

// connect opens a pool and checks the database answers, so that a wrong URL
// is one clear line at start.
func connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can echo the URL, password included.
		return nil, usageError{errors.New("configuration: DATABASE_URL is not a valid PostgreSQL URL")}
	}
	pcfg.MaxConns = max(pcfg.MaxConns, 20)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, usageError{fmt.Errorf("database %s:%d/%s is unreachable: %w", pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.Database, redactErr(err, pcfg.ConnConfig.Password))}
	}
	return pool, nil
}

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

// buildSources creates a client per configured source. All sources of one
// process share nothing but the database.
func buildSources(cfg *config.Config) (map[string]fetcher.Source, error) {
	out := make(map[string]fetcher.Source, len(cfg.Sources))
	for _, s := range cfg.Sources {
		httpCfg := fetcher.Config{UserAgent: "syncer/" + version}
		switch s.Kind {
		case config.KindDevRev:
			c, err := devrev.NewClient(devrev.Config{BaseURL: s.APIURL, Token: s.Token.Reveal(), PageSize: s.PageSize, HTTP: httpCfg})
			if err != nil {
				return nil, fmt.Errorf("source %s: %w", s.Name, err)
			}
			out[s.Name] = c
		default:
			return nil, fmt.Errorf("source %s: kind %s is not supported by this version of syncer yet", s.Name, s.Kind)
		}
	}
	return out, nil
}

// newRiverClient builds the job client with River's logs going to ours.
func (a *app) newRiverClient(interval time.Duration) (*river.Client[pgx.Tx], error) {
	return jobs.NewClient(a.deps, jobs.ClientConfig{
		Workers:      a.cfg.Workers,
		PassInterval: interval,
		Logger:       slog.New(slog.NewTextHandler(zerologWriter{a.log}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
}

// zerologWriter forwards River's text log lines into the zerolog logger.
type zerologWriter struct{ log zerolog.Logger }

func (w zerologWriter) Write(p []byte) (int, error) {
	w.log.Warn().Str("component", "river").Msg(strings.TrimSpace(string(p)))
	return len(p), nil
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

// redactErr removes a password from an error's text.
func redactErr(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "[redacted]"))
}

func asUsage(err error, target *usageError) bool { return errors.As(err, target) }

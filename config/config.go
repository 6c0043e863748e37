package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// Config is everything a syncer command needs.
type Config struct {
	// DatabaseURL is the PostgreSQL connection URL of the mirror.
	DatabaseURL Secret
	// Sources are the help desks to mirror, by name.
	Sources []Source
	// PassInterval is how often the daemon starts an incremental pass of
	// every source. Defaults to 1 minute.
	PassInterval time.Duration
	// Overlap is how far before the watermark an incremental pass starts.
	// Defaults to 5 minutes.
	Overlap time.Duration
	// SweepInterval is how often the daemon sweeps for deletes. Defaults to
	// 30 minutes.
	SweepInterval time.Duration
	// OpenRecheckInterval is how often incremental passes (the daemon's and
	// `sync`'s) re-read the messages of open conversations, in case a new
	// comment did not bump its conversation. Defaults to 15 minutes.
	OpenRecheckInterval time.Duration
	// UnreachableTimeout is how long a foreground backfill or sync waits
	// for a source whose API does not answer before it gives up (the
	// daemon waits as long as it runs). Defaults to 1 minute.
	UnreachableTimeout time.Duration
	// DBOutageGrace is how long backfill, sync and run wait through a
	// database outage (a failover, a restart) before they exit 1.
	// Defaults to 2 minutes.
	DBOutageGrace time.Duration
	// Workers is the number of jobs of each source run at once per process.
	// Defaults to 16.
	Workers int
	// HTTPAddr is where the daemon serves /healthz, /readyz and /metrics.
	// Defaults to ":8080".
	HTTPAddr string
	// WebhookAddr is where the daemon accepts the vendors' webhooks
	// (POST /webhooks/<source>); empty, the default, turns them off. It is
	// the one address meant to be reachable from the internet.
	WebhookAddr string
	// WebhookRecheckInterval replaces OpenRecheckInterval for a source whose
	// webhooks arrive. Defaults to 2 hours.
	WebhookRecheckInterval time.Duration
	// AdminAddr is where the daemon serves River UI, which can cancel and
	// retry jobs: loopback by default, and beyond loopback only with
	// AdminPassword (basic auth, user AdminUser, "admin" by default). Empty
	// turns it off. Defaults to "127.0.0.1:8081".
	AdminAddr     string
	AdminUser     string
	AdminPassword Secret
	// LogLevel is zerolog's level name. Defaults to "info".
	LogLevel string
	// LogFormat is "json", "console" or "auto" (console on a terminal).
	// Defaults to "auto".
	LogFormat string
}

// file is the YAML configuration file's shape.
type file struct {
	DatabaseURL   string  `yaml:"database_url"`
	PassInterval  string  `yaml:"interval"`
	SweepInterval string  `yaml:"sweep_interval"`
	OpenRecheck   string  `yaml:"open_recheck_interval"`
	Overlap       string  `yaml:"overlap"`
	Unreachable   string  `yaml:"unreachable_timeout"`
	DBOutageGrace string  `yaml:"db_outage_grace"`
	Workers       *int    `yaml:"workers"`
	HTTPAddr      string  `yaml:"http_addr"`
	WebhookAddr   string  `yaml:"webhook_addr"`
	WebhookCheck  string  `yaml:"webhook_open_recheck_interval"`
	AdminAddr     *string `yaml:"admin_addr"`
	AdminUser     string  `yaml:"admin_user"`
	AdminPassword string  `yaml:"admin_password"`
	LogLevel      string  `yaml:"log_level"`
	LogFormat     string  `yaml:"log_format"`
	// Sources are decoded by hand: a source's keys depend on its kind.
	Sources []map[string]any `yaml:"sources"`
	// variables are the environment variables its settings name.
	variables []string
}

// Flags are the command-line settings of the configuration. Every command
// registers the common ones (Register); the commands that run jobs add
// RegisterWorkers, the daemon RegisterInterval. Unset flags fall through to
// the environment.
type Flags struct {
	ConfigPath   string
	DatabaseURL  string
	PassInterval time.Duration
	Workers      int
	LogLevel     string
	LogFormat    string
}

// Register adds the flags every command has to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.ConfigPath, "config", "", "YAML configuration file (env SYNCER_CONFIG)")
	fs.StringVar(&f.DatabaseURL, "database-url", "", "PostgreSQL URL of the mirror (env DATABASE_URL)")
	fs.StringVar(&f.LogLevel, "log-level", "", "debug, info, warn or error (env SYNCER_LOG_LEVEL, default info)")
	fs.StringVar(&f.LogFormat, "log-format", "", "json, console or auto (env SYNCER_LOG_FORMAT, default auto)")
}

// RegisterWorkers adds --workers, for the commands that run sync jobs.
func (f *Flags) RegisterWorkers(fs *flag.FlagSet) {
	fs.Var(positiveInt(&f.Workers), "workers", "the `number` of jobs of each source run at once in this process (env SYNCER_WORKERS, default 16)")
}

// RegisterInterval adds --interval, for the daemon.
func (f *Flags) RegisterInterval(fs *flag.FlagSet) {
	fs.Var(positiveDuration(&f.PassInterval), "interval", "`time` between incremental passes of the daemon (env SYNCER_INTERVAL, default 1m)")
}

// LookupFunc reads an environment variable; os.LookupEnv in production.
type LookupFunc func(string) (string, bool)

// Load builds the configuration from flags, then env, then the YAML file,
// for sources of the given kinds. Empty environment variables count as
// unset (as docker compose passes them).
func Load(flags Flags, lookup LookupFunc, kinds []fetcher.Kind) (*Config, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}

	f, err := readFile(first(flags.ConfigPath, env("SYNCER_CONFIG")), env)
	if err != nil {
		return nil, err
	}

	cfg := &Config{
		DatabaseURL:   Secret(first(flags.DatabaseURL, env("DATABASE_URL"), f.DatabaseURL)),
		HTTPAddr:      first(env("SYNCER_HTTP_ADDR"), f.HTTPAddr, ":8080"),
		WebhookAddr:   first(env("SYNCER_WEBHOOK_ADDR"), f.WebhookAddr),
		AdminUser:     first(env("SYNCER_ADMIN_USER"), f.AdminUser),
		AdminPassword: Secret(first(env("SYNCER_ADMIN_PASSWORD"), f.AdminPassword)),
		LogLevel:      first(flags.LogLevel, env("SYNCER_LOG_LEVEL"), f.LogLevel, "info"),
		LogFormat:     first(flags.LogFormat, env("SYNCER_LOG_FORMAT"), f.LogFormat, "auto"),
	}
	if err := cfg.setAdminAddr(lookup, f.AdminAddr); err != nil {
		return nil, err
	}
	if err := cfg.setDurations(flags, env, f); err != nil {
		return nil, err
	}
	if cfg.Workers, err = workers(flags.Workers, env("SYNCER_WORKERS"), f.Workers); err != nil {
		return nil, err
	}

	fromFile, err := fileSources(f.Sources, kinds)
	if err != nil {
		return nil, err
	}
	fromEnv, err := envSources(env, kinds, fromFile, f.variables)
	if err != nil {
		return nil, err
	}
	cfg.Sources = mergeSources(fromFile, fromEnv)
	if err := cfg.validate(kinds); err != nil {
		return nil, err
	}
	return cfg, nil
}

// setDurations sets every duration setting: the flag, then the
// environment, then the file, then the default.
func (c *Config) setDurations(flags Flags, env func(string) string, f file) error {
	for _, d := range []struct {
		to       *time.Duration
		name     string
		flag     time.Duration
		env      string
		fromFile string
		def      time.Duration
	}{
		{&c.PassInterval, "interval", flags.PassInterval, "SYNCER_INTERVAL", f.PassInterval, time.Minute},
		{&c.Overlap, "overlap", 0, "SYNCER_OVERLAP", f.Overlap, 5 * time.Minute},
		{&c.SweepInterval, "sweep interval", 0, "SYNCER_SWEEP_INTERVAL", f.SweepInterval, 30 * time.Minute},
		{&c.OpenRecheckInterval, "open recheck interval", 0, "SYNCER_OPEN_RECHECK_INTERVAL", f.OpenRecheck, 15 * time.Minute},
		{&c.WebhookRecheckInterval, "webhook open recheck interval", 0, "SYNCER_WEBHOOK_OPEN_RECHECK_INTERVAL", f.WebhookCheck, 2 * time.Hour},
		{&c.UnreachableTimeout, "unreachable timeout", 0, "SYNCER_UNREACHABLE_TIMEOUT", f.Unreachable, time.Minute},
		{&c.DBOutageGrace, "database outage grace", 0, "SYNCER_DB_OUTAGE_GRACE", f.DBOutageGrace, 2 * time.Minute},
	} {
		v, err := duration(d.name, d.flag, d.env, env(d.env), d.fromFile, d.def)
		if err != nil {
			return err
		}
		*d.to = v
	}
	return nil
}

// workers picks the worker count: the flag (0 when not given: its Set
// refuses 0), then the environment, then the file, then 16. A 0 written in
// the environment or the file is kept, for validate to refuse, not taken for
// "unset".
func workers(flag int, envVal string, fromFile *int) (int, error) {
	switch {
	case flag != 0:
		return flag, nil
	case envVal != "":
		n, err := strconv.Atoi(envVal)
		if err != nil {
			return 0, fmt.Errorf("SYNCER_WORKERS=%q: not a number", envVal)
		}
		return n, nil
	case fromFile != nil:
		return *fromFile, nil
	}
	return 16, nil
}

// maxWorkers is the most jobs of a source River runs at once in a process
// (a queue's MaxWorkers).
const maxWorkers = 10_000

func (c *Config) validate(kinds []fetcher.Kind) error {
	errs := validateSources(c.Sources, kinds)
	if c.Workers < 1 || c.Workers > maxWorkers {
		errs = append(errs, fmt.Errorf("workers must be from 1 to %d, not %d", maxWorkers, c.Workers))
	}
	switch c.LogFormat {
	case "json", "console", "auto":
	default:
		errs = append(errs, fmt.Errorf("log format %q: want json, console or auto", c.LogFormat))
	}
	return errors.Join(errs...)
}

// SourceNamed returns the named source.
func (c *Config) SourceNamed(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// SourceNames lists the configured source names.
func (c *Config) SourceNames() []string {
	names := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		names[i] = s.Name
	}
	return names
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// duration is a duration setting: the flag, else the environment variable
// envName, else the file, else def. An error names where the bad value came
// from.
func duration(name string, flagVal time.Duration, envName, envVal, fileVal string, def time.Duration) (time.Duration, error) {
	switch {
	case flagVal > 0:
		return flagVal, nil
	case flagVal < 0: // not unset: a mistake, which must not fall through to the default
		return 0, fmt.Errorf("%s %s: want a positive duration like 90s or 5m", name, flagVal)
	}
	for _, v := range []struct{ value, from string }{{envVal, envName}, {fileVal, "the config file"}} {
		if v.value == "" {
			continue
		}
		d, err := time.ParseDuration(v.value)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%s %q (%s): want a positive duration like 90s or 5m", name, v.value, v.from)
		}
		return d, nil
	}
	return def, nil
}

// setAdminAddr sets where River UI listens: SYNCER_ADMIN_ADDR, set even
// empty (which turns it off), then the file's admin_addr, then loopback.
// Beyond loopback it requires basic auth: River UI can cancel and retry
// jobs.
func (cfg *Config) setAdminAddr(lookup LookupFunc, fromFile *string) error {
	cfg.AdminAddr = "127.0.0.1:8081"
	if fromFile != nil {
		cfg.AdminAddr = strings.TrimSpace(*fromFile)
	}
	if v, ok := lookup("SYNCER_ADMIN_ADDR"); ok {
		cfg.AdminAddr = strings.TrimSpace(v)
	}
	switch {
	case cfg.AdminPassword != "" && cfg.AdminUser == "":
		cfg.AdminUser = "admin"
	case cfg.AdminPassword == "" && cfg.AdminUser != "":
		return errors.New("SYNCER_ADMIN_USER is set without SYNCER_ADMIN_PASSWORD")
	}
	if cfg.AdminAddr != "" && cfg.AdminUser == "" && !IsLoopback(cfg.AdminAddr) {
		return fmt.Errorf("SYNCER_ADMIN_ADDR %q listens beyond loopback: set SYNCER_ADMIN_USER and SYNCER_ADMIN_PASSWORD (River UI can cancel and retry jobs), or SYNCER_ADMIN_ADDR= to turn it off", cfg.AdminAddr)
	}
	return nil
}

// IsLoopback reports whether a listen address (host:port) only accepts
// connections from this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Source kinds.
const (
	KindDevRev   = "devrev"
	KindChatwoot = "chatwoot"
	KindChatvolt = "chatvolt"
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
	// Workers is the number of jobs of each source run at once per process.
	// Defaults to 16.
	Workers int
	// HTTPAddr is where the daemon serves /healthz. Defaults to ":8080".
	HTTPAddr string
	// LogLevel is zerolog's level name. Defaults to "info".
	LogLevel string
	// LogFormat is "json", "console" or "auto" (console on a terminal).
	// Defaults to "auto".
	LogFormat string
}

// Source is one configured help desk.
type Source struct {
	// Name identifies the source in the tables' source column.
	Name string `yaml:"name"`
	// Kind is devrev, chatwoot or chatvolt.
	Kind string `yaml:"kind"`
	// APIURL is the API origin. Defaults to the vendor's cloud.
	APIURL string `yaml:"api_url"`
	// Token is the API token (DevRev, Chatwoot) or key (Chatvolt).
	Token Secret `yaml:"token"`
	// AccountID is the Chatwoot account.
	AccountID string `yaml:"account_id"`
	// InboxIdentifier and ContactIdentifier switch a Chatwoot source to the
	// public client API: one contact's conversations, without a token.
	InboxIdentifier   string `yaml:"inbox_identifier"`
	ContactIdentifier string `yaml:"contact_identifier"`
	// PageSize is the page size asked of the API. Defaults to the largest
	// the vendor accepts.
	PageSize int `yaml:"page_size"`
	// RateLimit is the plan's rate limit, for a user who knows it, such as
	// {requests: 3000, window: 1m}. Defaults to none: the limit is read from
	// the vendor's rate headers (DevRev) or learned from its throttles.
	RateLimit RateLimit `yaml:"rate_limit"`
}

// RateLimit is a number of requests allowed per window.
type RateLimit struct {
	Requests int           `yaml:"requests"`
	Window   time.Duration `yaml:"window"`
}

// IsZero reports whether no limit is set.
func (l RateLimit) IsZero() bool { return l.Requests == 0 && l.Window == 0 }

// parseRateLimit reads "3000/1m": requests per window.
func parseRateLimit(s string) (RateLimit, error) {
	n, w, ok := strings.Cut(s, "/")
	requests, err1 := strconv.Atoi(strings.TrimSpace(n))
	window, err2 := time.ParseDuration(strings.TrimSpace(w))
	if !ok || err1 != nil || err2 != nil {
		return RateLimit{}, fmt.Errorf("rate limit %q: want requests per window, like 3000/1m", s)
	}
	return RateLimit{Requests: requests, Window: window}, nil
}

// file is the YAML configuration file's shape.
type file struct {
	DatabaseURL   string   `yaml:"database_url"`
	PassInterval  string   `yaml:"interval"`
	SweepInterval string   `yaml:"sweep_interval"`
	OpenRecheck   string   `yaml:"open_recheck_interval"`
	Overlap       string   `yaml:"overlap"`
	Workers       int      `yaml:"workers"`
	HTTPAddr      string   `yaml:"http_addr"`
	LogLevel      string   `yaml:"log_level"`
	LogFormat     string   `yaml:"log_format"`
	Sources       []Source `yaml:"sources"`
}

// Flags are the command-line settings shared by every command. Register them
// on a FlagSet with Register; unset flags fall through to the environment.
type Flags struct {
	ConfigPath   string
	DatabaseURL  string
	PassInterval time.Duration
	Workers      int
	LogLevel     string
	LogFormat    string
}

// Register adds the shared flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.ConfigPath, "config", "", "YAML configuration file (env SYNCER_CONFIG)")
	fs.StringVar(&f.DatabaseURL, "database-url", "", "PostgreSQL URL of the mirror (env DATABASE_URL)")
	fs.DurationVar(&f.PassInterval, "interval", 0, "time between incremental passes of the daemon (env SYNCER_INTERVAL, default 1m)")
	fs.IntVar(&f.Workers, "workers", 0, "jobs of each source run at once in this process (env SYNCER_WORKERS, default 16)")
	fs.StringVar(&f.LogLevel, "log-level", "", "debug, info, warn or error (env SYNCER_LOG_LEVEL, default info)")
	fs.StringVar(&f.LogFormat, "log-format", "", "json, console or auto (env SYNCER_LOG_FORMAT, default auto)")
}

// LookupFunc reads an environment variable; os.LookupEnv in production.
type LookupFunc func(string) (string, bool)

// Load builds the configuration from flags, then env, then the YAML file.
// Empty environment variables count as unset (as docker compose passes them).
func Load(flags Flags, lookup LookupFunc) (*Config, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}

	var f file
	path := first(flags.ConfigPath, env("SYNCER_CONFIG"))
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config file: %w", err)
		}
		expanded := os.Expand(string(b), func(name string) string { return env(name) })
		if err := yaml.UnmarshalWithOptions([]byte(expanded), &f, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("config file %s: %s", path, yaml.FormatError(err, false, false))
		}
	}

	cfg := &Config{
		DatabaseURL: Secret(first(flags.DatabaseURL, env("DATABASE_URL"), f.DatabaseURL)),
		HTTPAddr:    first(env("SYNCER_HTTP_ADDR"), f.HTTPAddr, ":8080"),
		LogLevel:    first(flags.LogLevel, env("SYNCER_LOG_LEVEL"), f.LogLevel, "info"),
		LogFormat:   first(flags.LogFormat, env("SYNCER_LOG_FORMAT"), f.LogFormat, "auto"),
	}
	var err error
	if cfg.PassInterval, err = duration("interval", flags.PassInterval, env("SYNCER_INTERVAL"), f.PassInterval, time.Minute); err != nil {
		return nil, err
	}
	if cfg.Overlap, err = duration("overlap", 0, env("SYNCER_OVERLAP"), f.Overlap, 5*time.Minute); err != nil {
		return nil, err
	}
	if cfg.SweepInterval, err = duration("sweep interval", 0, env("SYNCER_SWEEP_INTERVAL"), f.SweepInterval, 30*time.Minute); err != nil {
		return nil, err
	}
	if cfg.OpenRecheckInterval, err = duration("open recheck interval", 0, env("SYNCER_OPEN_RECHECK_INTERVAL"), f.OpenRecheck, 15*time.Minute); err != nil {
		return nil, err
	}
	cfg.Workers = flags.Workers
	if cfg.Workers == 0 {
		if v := env("SYNCER_WORKERS"); v != "" {
			if cfg.Workers, err = strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("SYNCER_WORKERS=%q: not a number", v)
			}
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = f.Workers
	}
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}

	fromEnv, err := envSources(env)
	if err != nil {
		return nil, err
	}
	cfg.Sources = mergeSources(f.Sources, fromEnv)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// envSources are the sources the standard environment variables enable.
func envSources(env func(string) string) ([]Source, error) {
	var out []Source
	if tok := env("DEVREV_TOKEN"); tok != "" {
		out = append(out, Source{Name: KindDevRev, Kind: KindDevRev, APIURL: env("DEVREV_API_URL"), Token: Secret(tok)})
	}
	if tok := env("CHATWOOT_API_TOKEN"); tok != "" || env("CHATWOOT_API_URL") != "" {
		out = append(out, Source{
			Name: KindChatwoot, Kind: KindChatwoot, APIURL: env("CHATWOOT_API_URL"), Token: Secret(tok), AccountID: env("CHATWOOT_ACCOUNT_ID"),
			InboxIdentifier: env("CHATWOOT_INBOX_IDENTIFIER"), ContactIdentifier: env("CHATWOOT_CONTACT_IDENTIFIER"),
		})
	}
	if tok := env("CHATVOLT_API_KEY"); tok != "" {
		out = append(out, Source{Name: KindChatvolt, Kind: KindChatvolt, APIURL: env("CHATVOLT_API_URL"), Token: Secret(tok)})
	}
	for i := range out {
		name := strings.ToUpper(out[i].Kind) + "_RATE_LIMIT"
		if v := env(name); v != "" {
			limit, err := parseRateLimit(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out[i].RateLimit = limit
		}
	}
	return out, nil
}

// mergeSources lays env-defined sources over file-defined ones of the same
// name: set fields of the environment win.
func mergeSources(fromFile, fromEnv []Source) []Source {
	out := append([]Source(nil), fromFile...)
	for _, e := range fromEnv {
		merged := false
		for i := range out {
			if out[i].Name != e.Name {
				continue
			}
			out[i].Kind = first(e.Kind, out[i].Kind)
			out[i].APIURL = first(e.APIURL, out[i].APIURL)
			out[i].Token = Secret(first(string(e.Token), string(out[i].Token)))
			out[i].AccountID = first(e.AccountID, out[i].AccountID)
			out[i].InboxIdentifier = first(e.InboxIdentifier, out[i].InboxIdentifier)
			out[i].ContactIdentifier = first(e.ContactIdentifier, out[i].ContactIdentifier)
			if !e.RateLimit.IsZero() {
				out[i].RateLimit = e.RateLimit
			}
			merged = true
		}
		if !merged {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// sourceNameRE is what a source may be called: it names the source's job
// queue too, and River's queue names are words joined by single _ or -.
var sourceNameRE = regexp.MustCompile(`^[a-z0-9]+(?:[_-][a-z0-9]+)*$`)

// maxSourceName keeps a source's queue name within River's 64 characters.
const maxSourceName = 50

func (c *Config) validate() error {
	var errs []error
	seen := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		switch {
		case !sourceNameRE.MatchString(s.Name) || len(s.Name) > maxSourceName:
			errs = append(errs, fmt.Errorf("source name %q: use lowercase letters and digits, words joined by single - or _, at most %d characters", s.Name, maxSourceName))
			continue
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("source %q is declared twice", s.Name))
			continue
		}
		seen[s.Name] = true
		needsToken := true
		switch s.Kind {
		case KindDevRev:
			s.APIURL = first(s.APIURL, "https://api.devrev.ai")
		case KindChatvolt:
			s.APIURL = first(s.APIURL, "https://api.chatvolt.ai")
		case KindChatwoot:
			if s.APIURL == "" {
				errs = append(errs, fmt.Errorf("source %s: CHATWOOT_API_URL (api_url) is required", s.Name))
			}
			if s.InboxIdentifier != "" || s.ContactIdentifier != "" {
				// The public client API needs no token: one contact's view.
				if s.InboxIdentifier == "" || s.ContactIdentifier == "" {
					errs = append(errs, fmt.Errorf("source %s: the public API needs both inbox_identifier and contact_identifier", s.Name))
				}
				needsToken = false
			} else if _, err := strconv.Atoi(s.AccountID); err != nil {
				errs = append(errs, fmt.Errorf("source %s: CHATWOOT_ACCOUNT_ID (account_id) must be a number, not %q", s.Name, s.AccountID))
			}
		default:
			errs = append(errs, fmt.Errorf("source %s: unknown kind %q (want devrev, chatwoot or chatvolt)", s.Name, s.Kind))
			continue
		}
		if needsToken && s.Token == "" {
			errs = append(errs, fmt.Errorf("source %s: no token", s.Name))
		}
		if s.APIURL != "" {
			if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs = append(errs, fmt.Errorf("source %s: API URL %q is not an http(s) URL", s.Name, s.APIURL))
			}
		}
		if s.PageSize < 0 {
			errs = append(errs, fmt.Errorf("source %s: page_size must be positive", s.Name))
		}
		if l := s.RateLimit; !l.IsZero() && (l.Requests < 1 || l.Window <= 0) {
			errs = append(errs, fmt.Errorf("source %s: rate_limit needs requests (at least 1) and a window (like 1m)", s.Name))
		}
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("workers must be at least 1, not %d", c.Workers))
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

func duration(name string, flagVal time.Duration, envVal, fileVal string, def time.Duration) (time.Duration, error) {
	if flagVal > 0 {
		return flagVal, nil
	}
	for _, v := range []string{envVal, fileVal} {
		if v == "" {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%s %q: want a positive duration like 90s or 5m", name, v)
		}
		return d, nil
	}
	return def, nil
}

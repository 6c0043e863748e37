package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// Source is one configured help desk.
type Source struct {
	// Name identifies the source in the tables' source column.
	Name string
	// Kind is the vendor, one of the kinds' names (devrev, chatwoot…).
	Kind string
	// APIURL is the API origin. Defaults to the vendor's cloud.
	APIURL string
	// Token is the API token or key.
	Token Secret
	// PageSize is the page size asked of the API. Defaults to the largest
	// the vendor accepts.
	PageSize int
	// RateLimit is the plan's rate limit, for a user who knows it, such as
	// {requests: 3000, window: 1m}. Defaults to none: the limit is read from
	// the vendor's rate headers or learned from its throttles.
	RateLimit fetcher.RateLimit
	// Options are the kind's own settings (Chatwoot's account_id…), by key.
	// Some are credentials (a webhook's secret), so every value is a Secret:
	// a source printed or encoded shows its keys, never their values.
	Options map[string]Secret
}

// Settings returns the source's settings as its kind's constructor takes
// them, the token revealed.
func (s Source) Settings() fetcher.SourceSettings {
	return fetcher.SourceSettings{
		Name: s.Name, APIURL: s.APIURL, Token: s.Token.Reveal(), PageSize: s.PageSize, RateLimit: s.RateLimit,
		Options: revealAll(s.Options),
	}
}

// revealAll returns the options' values as they are, for the kind.
func revealAll(options map[string]Secret) map[string]string {
	if options == nil {
		return nil
	}
	out := make(map[string]string, len(options))
	for key, v := range options {
		out[key] = v.Reveal()
	}
	return out
}

// The keys every source of the configuration file may have; a kind adds
// its own.
const (
	keyName      = "name"
	keyKind      = "kind"
	keyAPIURL    = "api_url"
	keyToken     = "token"
	keyPageSize  = "page_size"
	keyRateLimit = "rate_limit"
	// A rate_limit's own keys.
	keyRequests = "requests"
	keyWindow   = "window"
)

// fileSources reads the sources of the configuration file.
func fileSources(raw []map[string]any, kinds []fetcher.Kind) ([]Source, error) {
	var out []Source
	var errs []error
	for i, m := range raw {
		s, err := fileSource(m, kinds)
		if err != nil {
			errs = append(errs, fmt.Errorf("config file: source %d (%s): %w", i+1, s.Name, err))
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// fileSource reads one source of the configuration file. The keys its
// kind does not know are an error, so that a typo is not silently ignored.
func fileSource(m map[string]any, kinds []fetcher.Kind) (Source, error) {
	s := Source{Name: scalar(m[keyName]), Kind: scalar(m[keyKind]), APIURL: scalar(m[keyAPIURL]), Token: Secret(scalar(m[keyToken]))}
	var errs []error
	if v, ok := m[keyPageSize]; ok {
		n, err := strconv.Atoi(scalar(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("page_size %q: want a number", scalar(v)))
		}
		s.PageSize = n
	}
	if v, ok := m[keyRateLimit]; ok {
		limit, err := yamlRateLimit(v)
		if err != nil {
			errs = append(errs, err)
		}
		s.RateLimit = limit
	}
	kind, known := kindNamed(kinds, s.Kind)
	for _, key := range slices.Sorted(maps.Keys(m)) {
		switch key {
		case keyName, keyKind, keyAPIURL, keyToken, keyPageSize, keyRateLimit:
			continue
		}
		if _, ok := kind.Setting(key); !known || !ok {
			errs = append(errs, fmt.Errorf("unknown key %q%s", key, kindKeys(kind, known)))
			continue
		}
		if s.Options == nil {
			s.Options = map[string]Secret{}
		}
		s.Options[key] = Secret(scalar(m[key]))
	}
	return s, errors.Join(errs...)
}

// kindKeys says which keys a kind's sources take, for an error message.
func kindKeys(k fetcher.Kind, known bool) string {
	if !known {
		return ""
	}
	keys := []string{keyName, keyKind, keyAPIURL, keyToken, keyPageSize, keyRateLimit}
	for _, s := range k.Settings {
		keys = append(keys, s.Key)
	}
	return fmt.Sprintf(" (a %s source takes %s)", k.Name, strings.Join(keys, ", "))
}

// scalar is a YAML scalar as text ("" for none).
func scalar(v any) string {
	if v == nil {
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// yamlRateLimit reads {requests: 3000, window: 1m}.
func yamlRateLimit(v any) (fetcher.RateLimit, error) {
	m, ok := v.(map[string]any)
	bad := fmt.Errorf("rate_limit: want {requests: 3000, window: 1m}")
	if !ok {
		return fetcher.RateLimit{}, bad
	}
	var limit fetcher.RateLimit
	var err error
	if r, ok := m[keyRequests]; ok {
		if limit.Requests, err = strconv.Atoi(scalar(r)); err != nil {
			return limit, bad
		}
	}
	if w, ok := m[keyWindow]; ok {
		if limit.Window, err = time.ParseDuration(scalar(w)); err != nil {
			return limit, bad
		}
	}
	for key := range m {
		if key != keyRequests && key != keyWindow {
			return limit, bad
		}
	}
	return limit, nil
}

// parseRateLimit reads "3000/1m": requests per window.
func parseRateLimit(s string) (fetcher.RateLimit, error) {
	n, w, ok := strings.Cut(s, "/")
	requests, err1 := strconv.Atoi(strings.TrimSpace(n))
	window, err2 := time.ParseDuration(strings.TrimSpace(w))
	if !ok || err1 != nil || err2 != nil {
		return fetcher.RateLimit{}, fmt.Errorf("rate limit %q: want requests per window, like 3000/1m", s)
	}
	return fetcher.RateLimit{Requests: requests, Window: window}, nil
}

// envSources are the sources the kinds' environment variables enable, each
// named after its kind, and the environment's settings of a file's source
// named after its kind, enabled or not: the environment's settings beat the
// file's, and `webhooks register` tells an operator to put the secret of
// such a source in, say, DEVREV_WEBHOOK_SECRET. A variable the file's
// settings name (fileVars) is no part of these: the file gives it to a
// source of its own (token: ${CHATVOLT_API_KEY} in a source named volt),
// which would otherwise be mirrored twice, as volt and as chatvolt.
func envSources(env func(string) string, kinds []fetcher.Kind, fromFile []Source, fileVars []string) ([]Source, error) {
	unclaimed := func(name string) string {
		if slices.Contains(fileVars, name) {
			return ""
		}
		return env(name)
	}
	var out []Source
	for _, k := range kinds {
		declared := slices.ContainsFunc(fromFile, func(s Source) bool { return s.Name == k.Name && s.Kind == k.Name })
		if !declared && !k.Enabled(unclaimed) {
			continue
		}
		s := Source{Name: k.Name, Kind: k.Name, APIURL: unclaimed(k.URLEnv), Token: Secret(unclaimed(k.TokenEnv))}
		for _, setting := range k.Settings {
			if v := unclaimed(setting.Env); v != "" {
				if s.Options == nil {
					s.Options = map[string]Secret{}
				}
				s.Options[setting.Key] = Secret(v)
			}
		}
		if v := unclaimed(k.RateLimitEnv()); v != "" {
			limit, err := parseRateLimit(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.RateLimitEnv(), err)
			}
			s.RateLimit = limit
		}
		out = append(out, s)
	}
	return out, nil
}

// mergeSources lays env-defined sources over file-defined ones of the same
// name: set fields of the environment win.
func mergeSources(fromFile, fromEnv []Source) []Source {
	out := append([]Source(nil), fromFile...)
	for _, e := range fromEnv {
		i := slices.IndexFunc(out, func(s Source) bool { return s.Name == e.Name })
		if i < 0 {
			out = append(out, e)
			continue
		}
		o := &out[i]
		o.Kind = first(e.Kind, o.Kind)
		o.APIURL = first(e.APIURL, o.APIURL)
		o.Token = Secret(first(string(e.Token), string(o.Token)))
		if !e.RateLimit.IsZero() {
			o.RateLimit = e.RateLimit
		}
		for key, v := range e.Options {
			if o.Options == nil {
				o.Options = map[string]Secret{}
			}
			o.Options[key] = v
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

// validateSources checks every source, one error per problem, and fills in
// the kinds' default URLs.
func validateSources(sources []Source, kinds []fetcher.Kind) []error {
	var errs []error
	seen := map[string]bool{}
	for i := range sources {
		s := &sources[i]
		switch {
		case !sourceNameRE.MatchString(s.Name) || len(s.Name) > maxSourceName:
			errs = append(errs, fmt.Errorf("source name %q: use lowercase letters and digits, words joined by single - or _, at most %d characters", s.Name, maxSourceName))
			continue
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("source %q is declared twice", s.Name))
			continue
		}
		seen[s.Name] = true
		kind, ok := kindNamed(kinds, s.Kind)
		if !ok {
			errs = append(errs, fmt.Errorf("source %s: unknown kind %q (want %s)", s.Name, s.Kind, kindNames(kinds)))
			continue
		}
		for _, err := range validateSource(s, kind) {
			errs = append(errs, fmt.Errorf("source %s: %w", s.Name, err))
		}
	}
	return errs
}

// validateSource checks one source of a known kind.
func validateSource(s *Source, kind fetcher.Kind) []error {
	var errs []error
	s.APIURL = first(s.APIURL, kind.DefaultURL)
	if s.APIURL == "" {
		errs = append(errs, fmt.Errorf("%s (%s) is required", kind.URLEnv, keyAPIURL))
	} else if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("API URL %q is not an http(s) URL", fetcher.WithoutUserInfo(s.APIURL)))
	}
	if s.PageSize < 0 {
		errs = append(errs, errors.New("page_size must be positive"))
	}
	if l := s.RateLimit; (l.Requests != 0 || l.Window != 0) && l.IsZero() {
		errs = append(errs, errors.New("rate_limit needs requests (at least 1) and a window (like 1m)"))
	}
	errs = append(errs, kind.CheckSettings(s.Settings())...)
	return errs
}

func kindNamed(kinds []fetcher.Kind, name string) (fetcher.Kind, bool) {
	for _, k := range kinds {
		if k.Name == name {
			return k, true
		}
	}
	return fetcher.Kind{}, false
}

// kindNames lists the kinds as a person would: "a, b or c".
func kindNames(kinds []fetcher.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

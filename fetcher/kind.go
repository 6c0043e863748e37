package fetcher

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Kind is everything syncer knows of a kind of source (a vendor) outside
// the vendor's own package: its name, where its API is, the settings it
// reads from the environment and the configuration file, how to check them
// and how to build a client. Each vendor package declares its Kind; the
// list of kinds is package fetcher/kinds. The configuration and the
// commands go through the list and name no vendor.
type Kind struct {
	// Name is the kind as sources declare it, such as "devrev". The source
	// that the kind's environment variables enable has this name too.
	Name string
	// DefaultURL is the vendor's cloud API. Empty for a vendor without one
	// (Chatwoot is self-hosted as often as not): a source must then say.
	DefaultURL string
	// TokenEnv and URLEnv are the environment variables of the credential
	// and the API origin of the source the environment enables.
	TokenEnv, URLEnv string
	// EnabledBy are the environment variables any of which, set, enable
	// that source. Defaults to TokenEnv.
	EnabledBy []string
	// Settings are the kind's own settings, beyond those every kind has.
	Settings []Setting
	// Check reports what is wrong with a source's settings, one error per
	// problem; the URL and the page size are checked for every kind. Nil
	// requires a token, as most vendors do.
	Check func(SourceSettings) []error
	// New builds a client for a source whose settings passed Check.
	New func(SourceSettings, ClientDeps) (Source, error)
}

// Setting is one of a kind's own settings: a key of the source in the
// configuration file, and the environment variable that sets it for the
// source the environment enables.
type Setting struct {
	Key, Env string
}

// SourceSettings are one configured source's settings.
type SourceSettings struct {
	Name   string
	APIURL string
	// Token is the credential, revealed: keep it out of errors and logs.
	Token     string
	PageSize  int
	RateLimit RateLimit
	// Options are the kind's own settings, by key.
	Options map[string]string
}

// ClientDeps is what the process gives every source's client.
type ClientDeps struct {
	// HTTP is the shared HTTP client's configuration (User-Agent, the
	// hooks that observe requests); the kind sets the base URL, the
	// credentials and the pacer.
	HTTP Config
	// ModifiedAtFunc reports the mirror's modification times of the
	// source's conversations that it holds, for a vendor whose listings
	// show only summaries: the client fetches details only for the
	// conversations that changed.
	ModifiedAtFunc func(ctx context.Context, ids []string) (map[string]time.Time, error)
}

// EnablingVars are the environment variables any of which, set, enable the
// kind's source.
func (k Kind) EnablingVars() []string {
	if len(k.EnabledBy) == 0 {
		return []string{k.TokenEnv}
	}
	return k.EnabledBy
}

// Enabled reports whether the environment enables the kind's source.
func (k Kind) Enabled(env func(string) string) bool {
	for _, name := range k.EnablingVars() {
		if env(name) != "" {
			return true
		}
	}
	return false
}

// RateLimitEnv is the environment variable that states the plan's rate
// limit of the kind's source, such as DEVREV_RATE_LIMIT.
func (k Kind) RateLimitEnv() string { return strings.ToUpper(k.Name) + "_RATE_LIMIT" }

// Setting returns the kind's setting of key, and whether it has one.
func (k Kind) Setting(key string) (Setting, bool) {
	for _, s := range k.Settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// CheckSettings reports what is wrong with a source's settings (see Check).
func (k Kind) CheckSettings(s SourceSettings) []error {
	if k.Check != nil {
		return k.Check(s)
	}
	if err := RequireToken(s); err != nil {
		return []error{err}
	}
	return nil
}

// RequireToken is the check of a kind whose sources need a credential.
func RequireToken(s SourceSettings) error {
	if s.Token == "" {
		return errors.New("no token")
	}
	return nil
}

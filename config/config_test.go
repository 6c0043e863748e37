package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/kinds"
)

func TestLoad(t *testing.T) {
	t.Parallel()

	envOf := func(kv ...string) LookupFunc {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	writeFile := func(t *testing.T, body string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "syncer.yaml")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		return path
	}

	t.Run("DefaultsWithDevRevFromEnv", func(t *testing.T) {
		t.Parallel()
		cfg, err := Load(Flags{}, envOf("DATABASE_URL", "postgres://x/y", "DEVREV_TOKEN", "tok"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, []Source{{Name: "devrev", Kind: "devrev", APIURL: "https://api.devrev.ai", Token: "tok"}}, cfg.Sources)
		require.Equal(t, time.Minute, cfg.PassInterval)
		require.Equal(t, 5*time.Minute, cfg.Overlap)
		require.Equal(t, 15*time.Minute, cfg.OpenRecheckInterval)
		require.Equal(t, 16, cfg.Workers)
	})

	t.Run("OpenRecheckIntervalFromEnvOrFile", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "open_recheck_interval: 1h\n")
		cfg, err := Load(Flags{ConfigPath: path}, envOf(), kinds.All())
		require.NoError(t, err)
		require.Equal(t, time.Hour, cfg.OpenRecheckInterval)
		cfg, err = Load(Flags{ConfigPath: path}, envOf("SYNCER_OPEN_RECHECK_INTERVAL", "2m"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, 2*time.Minute, cfg.OpenRecheckInterval)
		_, err = Load(Flags{}, envOf("SYNCER_OPEN_RECHECK_INTERVAL", "soon"), kinds.All())
		require.ErrorContains(t, err, "open recheck interval")
	})

	t.Run("FlagsBeatEnvBeatFile", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "database_url: postgres://file/db\ninterval: 10m\nworkers: 3\n")
		cfg, err := Load(Flags{ConfigPath: path, DatabaseURL: "postgres://flag/db"},
			envOf("DATABASE_URL", "postgres://env/db", "SYNCER_INTERVAL", "2m"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, "postgres://flag/db", cfg.DatabaseURL.Reveal())
		require.Equal(t, 2*time.Minute, cfg.PassInterval)
		require.Equal(t, 3, cfg.Workers)
	})

	t.Run("FileDeclaresSeveralSourcesWithEnvTokens", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
sources:
  - name: devrev-eu
    kind: devrev
    token: ${EU_TOKEN}
  - name: devrev-us
    kind: devrev
    api_url: https://api.devrev.example
    token: ${US_TOKEN}
`)
		cfg, err := Load(Flags{ConfigPath: path}, envOf("EU_TOKEN", "eu", "US_TOKEN", "us", "DEVREV_TOKEN", "main"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, []string{"devrev", "devrev-eu", "devrev-us"}, cfg.SourceNames())
		us, ok := cfg.SourceNamed("devrev-us")
		require.True(t, ok)
		require.Equal(t, "us", us.Token.Reveal())
		require.Equal(t, "https://api.devrev.example", us.APIURL)
	})

	t.Run("EnvSettingsReachAFileSourceNamedAfterItsKind", func(t *testing.T) {
		t.Parallel()
		// As `webhooks register` tells an operator to: the secret in the
		// environment, the token in the file.
		path := writeFile(t, "sources:\n  - {name: devrev, kind: devrev, token: t}\n  - {name: other, kind: devrev, token: u}\n")
		cfg, err := Load(Flags{ConfigPath: path}, envOf("DEVREV_WEBHOOK_SECRET", "whsec", "DEVREV_API_URL", "https://api.devrev.example"), kinds.All())
		require.NoError(t, err)
		src, ok := cfg.SourceNamed("devrev")
		require.True(t, ok)
		require.Equal(t, "whsec", src.Options["webhook_secret"].Reveal())
		require.Equal(t, "https://api.devrev.example", src.APIURL)
		require.Equal(t, "t", src.Token.Reveal())
		other, _ := cfg.SourceNamed("other")
		require.Empty(t, other.Options, "only the source named after the kind")
	})

	t.Run("AdminAddress", func(t *testing.T) {
		t.Parallel()
		load := func(env ...string) (*Config, error) { return Load(Flags{}, envOf(env...), kinds.All()) }
		cfg, err := load()
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:8081", cfg.AdminAddr, "loopback by default")
		cfg, err = load("SYNCER_ADMIN_ADDR", "")
		require.NoError(t, err)
		require.Empty(t, cfg.AdminAddr, "set empty, it is off")
		_, err = load("SYNCER_ADMIN_ADDR", ":8081")
		require.ErrorContains(t, err, "beyond loopback")
		_, err = load("SYNCER_ADMIN_ADDR", "0.0.0.0:8081", "SYNCER_ADMIN_USER", "ops")
		require.ErrorContains(t, err, "without SYNCER_ADMIN_PASSWORD")
		cfg, err = load("SYNCER_ADMIN_ADDR", "0.0.0.0:8081", "SYNCER_ADMIN_PASSWORD", "pw")
		require.NoError(t, err)
		require.Equal(t, "admin", cfg.AdminUser)
		cfg, err = load("SYNCER_ADMIN_ADDR", "0.0.0.0:8081", "SYNCER_ADMIN_USER", "ops", "SYNCER_ADMIN_PASSWORD", "pw")
		require.NoError(t, err)
		require.Equal(t, "pw", cfg.AdminPassword.Reveal())
		require.True(t, IsLoopback("[::1]:1"))
		require.True(t, IsLoopback("localhost:1"))
		require.False(t, IsLoopback("10.0.0.1:1"))
	})

	t.Run("AVariableTheFileGivesASourceEnablesNoOther", func(t *testing.T) {
		t.Parallel()
		// The README's example: the file gives CHATVOLT_API_KEY to its
		// source volt, which the variable alone would mirror again as
		// chatvolt.
		path := writeFile(t, "sources:\n  - name: volt\n    kind: chatvolt\n    token: ${CHATVOLT_API_KEY}\n")
		cfg, err := Load(Flags{ConfigPath: path}, envOf("CHATVOLT_API_KEY", "k", "DEVREV_TOKEN", "d"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, []string{"devrev", "volt"}, cfg.SourceNames())

		// Nor does the file's token go to a source another variable
		// enables: Chatwoot's URL enables one named chatwoot, which took
		// cw's token and mirrored cw's account a second time. It has no
		// token of its own now, and says so.
		path = writeFile(t, "sources:\n  - {name: cw, kind: chatwoot, api_url: https://desk.example, account_id: 7, token: ${CHATWOOT_API_TOKEN}}\n")
		_, err = Load(Flags{ConfigPath: path}, envOf("CHATWOOT_API_TOKEN", "cw-token", "CHATWOOT_API_URL", "https://desk.example",
			"CHATWOOT_ACCOUNT_ID", "7"), kinds.All())
		require.ErrorContains(t, err, "source chatwoot: no token")

		// Nor its URL and account, when a token left in the environment
		// enables that source.
		path = writeFile(t, "sources:\n  - {name: cw, kind: chatwoot, api_url: ${CHATWOOT_API_URL}, account_id: ${CHATWOOT_ACCOUNT_ID}, token: ${CW_TOKEN}}\n")
		_, err = Load(Flags{ConfigPath: path}, envOf("CW_TOKEN", "cw-token", "CHATWOOT_API_TOKEN", "old-token",
			"CHATWOOT_API_URL", "https://desk.example", "CHATWOOT_ACCOUNT_ID", "7"), kinds.All())
		require.ErrorContains(t, err, "source chatwoot: CHATWOOT_API_URL (api_url) is required")
	})

	t.Run("AVariableInACommentIsNoSetting", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "sources:\n  - name: eu\n    kind: devrev\n    token: ${EU_TOKEN}\n#  - name: us\n#    kind: devrev\n#    token: ${US_TOKEN}\n")
		cfg, err := Load(Flags{ConfigPath: path}, envOf("EU_TOKEN", "eu"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, []string{"eu"}, cfg.SourceNames())
	})

	t.Run("FileNamesAnUnsetVariable", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "sources:\n  - name: eu\n    kind: devrev\n    token: ${EU_TOKEN}\n    api_url: ${EU_URL}\n")
		_, err := Load(Flags{ConfigPath: path}, envOf("EU_URL", "https://api.devrev.example"), kinds.All())
		require.ErrorContains(t, err, "names environment variables that are not set: EU_TOKEN")
	})

	t.Run("VariablesAreValuesNeverYAML", func(t *testing.T) {
		t.Parallel()
		// A token is taken as it is, whatever YAML would make of its text;
		// a '$' that names no variable stays; a number may come from one.
		path := writeFile(t, "database_url: postgres://u:pa$sw0rd@db/x\nworkers: ${WORKERS}\nsources:\n"+
			"  - {name: a, kind: devrev, token: ${A}}\n  - {name: b, kind: devrev, token: \"${B}\"}\n  - {name: c, kind: devrev, token: ${C}}\n")
		cfg, err := Load(Flags{ConfigPath: path}, envOf("A", "*Sup3rS3cret", "B", "abc #x", "C", "!tag x", "WORKERS", "4"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, "postgres://u:pa$sw0rd@db/x", cfg.DatabaseURL.Reveal())
		require.Equal(t, 4, cfg.Workers)
		for name, want := range map[string]string{"a": "*Sup3rS3cret", "b": "abc #x", "c": "!tag x"} {
			src, ok := cfg.SourceNamed(name)
			require.True(t, ok)
			require.Equal(t, want, src.Token.Reveal())
		}
	})

	t.Run("RateLimitFromFileOrEnv", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
sources:
  - name: volt
    kind: chatvolt
    token: k
    rate_limit: {requests: 40, window: 1s}
`)
		cfg, err := Load(Flags{ConfigPath: path}, envOf("CHATVOLT_API_KEY", "k2", "CHATVOLT_RATE_LIMIT", "3000/1m"), kinds.All())
		require.NoError(t, err)
		volt, _ := cfg.SourceNamed("volt")
		require.Equal(t, fetcher.RateLimit{Requests: 40, Window: time.Second}, volt.RateLimit)
		env, _ := cfg.SourceNamed("chatvolt")
		require.Equal(t, fetcher.RateLimit{Requests: 3000, Window: time.Minute}, env.RateLimit)

		_, err = Load(Flags{}, envOf("CHATVOLT_API_KEY", "k", "CHATVOLT_RATE_LIMIT", "fast"), kinds.All())
		require.ErrorContains(t, err, `CHATVOLT_RATE_LIMIT: rate limit "fast": want requests per window, like 3000/1m`)
		bad := writeFile(t, "sources:\n  - {name: v, kind: chatvolt, token: k, rate_limit: {requests: 40}}\n")
		_, err = Load(Flags{ConfigPath: bad}, envOf(), kinds.All())
		require.ErrorContains(t, err, "source v: rate_limit needs requests (at least 1) and a window (like 1m)")
	})

	t.Run("WorkersWithinRiversBounds", func(t *testing.T) {
		t.Parallel()
		for _, v := range []string{"-1", "0", "10001"} {
			_, err := Load(Flags{}, envOf("SYNCER_WORKERS", v), kinds.All())
			require.ErrorContains(t, err, "workers must be from 1 to 10000, not "+v)
		}
		_, err := Load(Flags{ConfigPath: writeFile(t, "workers: 0\n")}, envOf(), kinds.All())
		require.ErrorContains(t, err, "workers must be from 1 to 10000, not 0", "a 0 written in the file is no unset value")
		cfg, err := Load(Flags{ConfigPath: writeFile(t, "workers: 3\n")}, envOf("SYNCER_WORKERS", "5"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, 5, cfg.Workers, "the environment comes before the file")
		cfg, err = Load(Flags{}, envOf("SYNCER_WORKERS", "10000"), kinds.All())
		require.NoError(t, err)
		require.Equal(t, 10000, cfg.Workers)
	})

	t.Run("TextThatLooksLikeANumberIsTakenAsWritten", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "workers: 3\nsources:\n  - {name: v, kind: chatvolt, token: 0x1F, page_size: 50, rate_limit: {requests: 40, window: 1s}}\n"+
			"  - name: d\n    kind: devrev\n    token: &t 1_000\n    webhook_secret: 0o17\n"+
			"  - {name: e, kind: devrev, token: *t}\n")
		cfg, err := Load(Flags{ConfigPath: path}, envOf(), kinds.All())
		require.NoError(t, err)
		require.Equal(t, 3, cfg.Workers)
		v, _ := cfg.SourceNamed("v")
		require.Equal(t, Secret("0x1F"), v.Token)
		require.Equal(t, 50, v.PageSize)
		require.Equal(t, 40, v.RateLimit.Requests)
		d, _ := cfg.SourceNamed("d")
		require.Equal(t, Secret("1_000"), d.Token)
		require.Equal(t, Secret("0o17"), d.Options["webhook_secret"])
		e, _ := cfg.SourceNamed("e")
		require.Equal(t, Secret("1_000"), e.Token, "an alias of an anchored token too")
	})

	t.Run("EmptyEnvIsUnset", func(t *testing.T) {
		t.Parallel()
		cfg, err := Load(Flags{}, envOf("DEVREV_TOKEN", "", "CHATVOLT_API_KEY", ""), kinds.All())
		require.NoError(t, err)
		require.Empty(t, cfg.Sources)
	})

	t.Run("RejectsBadConfigurationWithOneLineEach", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
sources:
  - {name: Bad Name, kind: devrev, token: x}
  - {name: a, kind: zendesk, token: x}
  - {name: b, kind: devrev}
  - {name: c, kind: devrev, token: x, api_url: "ftp://x"}
  - {name: d__e, kind: devrev, token: x}
  - {name: f, kind: devrev, token: x, api_url: "htps://ops:pw-s3cret@cw.example"}
  - {name: g, kind: devrev, token: x, api_url: "ops:pw-s3cret@cw.example"}
`)
		_, err := Load(Flags{ConfigPath: path}, envOf(), kinds.All())
		require.Error(t, err)
		msg := err.Error()
		require.Contains(t, msg, `API URL "htps://cw.example" is not an http(s) URL`)
		require.Contains(t, msg, `API URL "…@cw.example" is not an http(s) URL`)
		require.NotContains(t, msg, "pw-s3cret", "a password in a URL is a secret")
		require.Contains(t, msg, `source name "Bad Name"`)
		require.Contains(t, msg, `unknown kind "zendesk"`)
		require.Contains(t, msg, "source b: no token")
		require.Contains(t, msg, `API URL "ftp://x" is not an http(s) URL`)
		require.Contains(t, msg, `source name "d__e"`)
	})

	t.Run("RejectsUnknownFileKeys", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "sourcez: []\n")
		_, err := Load(Flags{ConfigPath: path}, envOf(), kinds.All())
		require.ErrorContains(t, err, "sourcez")
	})

	t.Run("RejectsBadDuration", func(t *testing.T) {
		t.Parallel()
		_, err := Load(Flags{}, envOf("SYNCER_INTERVAL", "soon"), kinds.All())
		require.ErrorContains(t, err, `interval "soon" (SYNCER_INTERVAL)`)
		_, err = Load(Flags{PassInterval: -5 * time.Minute}, envOf("DEVREV_TOKEN", "t"), kinds.All())
		require.ErrorContains(t, err, "interval -5m0s: want a positive duration", "a negative flag is no unset one")
	})
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()

	s := Source{Name: "devrev", Token: "very-secret-token"}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s.Token),
	} {
		require.NotContains(t, out, "very-secret-token")
	}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.NotContains(t, string(b), "very-secret-token")
	require.Equal(t, "very-secret-token", s.Token.Reveal())
}

func TestLoadChatwoot(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) LookupFunc {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}

	cfg, err := Load(Flags{}, env(map[string]string{
		"CHATWOOT_API_URL": "https://chat.example.com", "CHATWOOT_API_TOKEN": "t", "CHATWOOT_ACCOUNT_ID": "3",
	}), kinds.All())
	require.NoError(t, err)
	require.Equal(t, "chatwoot", cfg.Sources[0].Kind)
	require.Equal(t, "3", cfg.Sources[0].Options["account_id"].Reveal())

	cfg, err = Load(Flags{}, env(map[string]string{
		"CHATWOOT_API_URL": "https://chat.example.com", "CHATWOOT_INBOX_IDENTIFIER": "inb", "CHATWOOT_CONTACT_IDENTIFIER": "con",
	}), kinds.All())
	require.NoError(t, err, "the public API needs no token")
	require.Equal(t, "con", cfg.Sources[0].Options["contact_identifier"].Reveal())
	_, err = Load(Flags{}, env(map[string]string{
		"CHATWOOT_API_URL": "https://chat.example.com", "CHATWOOT_INBOX_IDENTIFIER": "inb", "CHATWOOT_CONTACT_IDENTIFIER": "con",
		"CHATWOOT_WEBHOOK_UNSIGNED": "maybe",
	}), kinds.All())
	require.ErrorContains(t, err, `webhook_unsigned must be true or false, not "maybe"`, "the public API's webhook settings are checked too")

	_, err = Load(Flags{}, env(map[string]string{"CHATWOOT_API_URL": "https://chat.example.com", "CHATWOOT_API_TOKEN": "t", "CHATWOOT_ACCOUNT_ID": "acme"}), kinds.All())
	require.ErrorContains(t, err, `must be a number, not "acme"`)
	_, err = Load(Flags{}, env(map[string]string{"CHATWOOT_API_TOKEN": "t", "CHATWOOT_ACCOUNT_ID": "1"}), kinds.All())
	require.ErrorContains(t, err, "CHATWOOT_API_URL (api_url) is required")
	// page_size is ignored (the server sizes its pages), and a file that
	// sets it still loads, as it always did.
	path := filepath.Join(t.TempDir(), "syncer.yaml")
	require.NoError(t, os.WriteFile(path, []byte("sources:\n  - {name: cw, kind: chatwoot, api_url: https://desk.example, account_id: 7, token: t, page_size: 50}\n"), 0o600))
	_, err = Load(Flags{ConfigPath: path}, env(nil), kinds.All())
	require.NoError(t, err)
}

// TestLoadAnyKind: the configuration knows no vendor; a kind declares its
// environment, its keys and its checks, and sources of it load.
func TestLoadAnyKind(t *testing.T) {
	t.Parallel()
	zendesk := fetcher.Kind{
		Name: "zendesk", DefaultURL: "https://example.zendesk.com", TokenEnv: "ZENDESK_TOKEN", URLEnv: "ZENDESK_URL",
		Settings: []fetcher.Setting{{Key: "brand", Env: "ZENDESK_BRAND"}},
		Check: func(s fetcher.SourceSettings) []error {
			if s.Options["brand"] == "" {
				return []error{errors.New("ZENDESK_BRAND (brand) is required")}
			}
			return nil
		},
	}
	env := func(kv ...string) LookupFunc {
		return func(k string) (string, bool) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	cfg, err := Load(Flags{}, env("ZENDESK_TOKEN", "t", "ZENDESK_BRAND", "acme", "ZENDESK_RATE_LIMIT", "700/1m"), []fetcher.Kind{zendesk})
	require.NoError(t, err)
	require.Equal(t, []Source{{
		Name: "zendesk", Kind: "zendesk", APIURL: "https://example.zendesk.com", Token: "t",
		RateLimit: fetcher.RateLimit{Requests: 700, Window: time.Minute}, Options: map[string]Secret{"brand": "acme"},
	}}, cfg.Sources)

	_, err = Load(Flags{}, env("ZENDESK_TOKEN", "t"), []fetcher.Kind{zendesk})
	require.ErrorContains(t, err, "source zendesk: ZENDESK_BRAND (brand) is required")

	path := filepath.Join(t.TempDir(), "syncer.yaml")
	require.NoError(t, os.WriteFile(path, []byte("sources:\n  - {name: z, kind: zendesk, token: t, brnad: acme}\n"), 0o600))
	_, err = Load(Flags{ConfigPath: path}, env(), []fetcher.Kind{zendesk})
	require.ErrorContains(t, err, `unknown key "brnad" (a zendesk source takes name, kind, api_url, token, page_size, rate_limit, brand)`)
}

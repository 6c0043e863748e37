package devrev

import (
	"github.com/syncerhq/syncer/fetcher"
)

// webhookSecretKey is the source's setting of its webhook's secret.
const webhookSecretKey = "webhook_secret"

// Kind is DevRev as syncer's configuration and commands know it.
func Kind() fetcher.Kind {
	return fetcher.Kind{
		Name:       "devrev",
		DefaultURL: DefaultBaseURL,
		TokenEnv:   "DEVREV_TOKEN",
		URLEnv:     "DEVREV_API_URL",
		Settings:   []fetcher.Setting{{Key: webhookSecretKey, Env: "DEVREV_WEBHOOK_SECRET"}},
		New: func(s fetcher.SourceSettings, deps fetcher.ClientDeps) (fetcher.Source, error) {
			http := deps.HTTP
			http.Pacer = fetcher.NewPacer(fetcher.PacerConfig{Limit: s.RateLimit})
			return NewClient(Config{BaseURL: s.APIURL, Token: s.Token, PageSize: s.PageSize, HTTP: http, WebhookSecret: s.Options[webhookSecretKey]})
		},
	}
}

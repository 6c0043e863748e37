package chatvolt

import (
	"github.com/syncerhq/syncer/fetcher"
)

// Kind is Chatvolt as syncer's configuration and commands know it.
func Kind() fetcher.Kind {
	return fetcher.Kind{
		Name:       "chatvolt",
		DefaultURL: DefaultBaseURL,
		TokenEnv:   "CHATVOLT_API_KEY",
		URLEnv:     "CHATVOLT_API_URL",
		New: func(s fetcher.SourceSettings, deps fetcher.ClientDeps) (fetcher.Source, error) {
			return NewClient(Config{
				BaseURL: s.APIURL, APIKey: s.Token, PageSize: s.PageSize, RateLimit: s.RateLimit,
				HTTP: deps.HTTP, ModifiedAtFunc: deps.ModifiedAtFunc,
			})
		},
	}
}

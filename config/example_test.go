package config_test

import (
	"encoding/json"
	"fmt"

	"github.com/syncerhq/syncer/config"
)

// A Secret prints redacted whatever the formatting, so a token cannot leak
// through a log line or a JSON dump; only Reveal reads it. A source's
// options are Secrets too: a webhook's secret is one of them.
func ExampleSecret() {
	src := config.Source{Name: "devrev", Kind: "devrev", Token: "tok-123", Options: map[string]config.Secret{"webhook_secret": "whsec-456"}}
	b, _ := json.Marshal(src)
	fmt.Printf("%v\n%+v\n%s\n%s\n", src.Token, src.Options, b, src.Token.Reveal())
	// Output:
	// [redacted]
	// map[webhook_secret:[redacted]]
	// {"Name":"devrev","Kind":"devrev","APIURL":"","Token":"[redacted]","PageSize":0,"RateLimit":{"Requests":0,"Window":0},"Options":{"webhook_secret":"[redacted]"}}
	// tok-123
}

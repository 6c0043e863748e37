package config_test

import (
	"encoding/json"
	"fmt"

	"github.com/syncerhq/syncer/config"
)

// A Secret prints redacted whatever the formatting, so a token cannot leak
// through a log line or a JSON dump; only Reveal reads it.
func ExampleSecret() {
	src := config.Source{Name: "devrev", Kind: "devrev", Token: "tok-123"}
	b, _ := json.Marshal(src)
	fmt.Printf("%v\n%s\n%s\n", src.Token, b, src.Token.Reveal())
	// Output:
	// [redacted]
	// {"Name":"devrev","Kind":"devrev","APIURL":"","Token":"[redacted]","PageSize":0,"RateLimit":{"Requests":0,"Window":0},"Options":null}
	// tok-123
}

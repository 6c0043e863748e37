package devrev

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DevRev's pages are decoded with github.com/go-json-experiment/json, the
// module that is becoming encoding/json/v2 (experimental in Go 1.25 and
// 1.26). Decoding is most of syncer's own CPU in a backfill, and this decoder
// does it in one pass where encoding/json validates, scans and decodes
// separately: BenchmarkParse reads the same pages about 3× faster.
//
// lenientJSON keeps encoding/json's leniency, so that an odd but legal
// payload decodes the same: member names match case-insensitively, a
// duplicate name keeps its last value, and invalid UTF-8 becomes U+FFFD. It is
// never modified.
var lenientJSON = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// unmarshal decodes data into v leniently.
func unmarshal(data []byte, v any) error { return json.Unmarshal(data, v, lenientJSON) }

package fetcher_test

import (
	stdjson "encoding/json"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
)

// TestIntDecodesTheSameUnderBothDecoders: every form a vendor sends an
// integer in, and the ones that are no integer, give the same value or the
// same refusal under encoding/json and under go-json-experiment/json.
func TestIntDecodesTheSameUnderBothDecoders(t *testing.T) {
	t.Parallel()
	type doc struct {
		N *fetcher.Int `json:"n"`
		M fetcher.Int  `json:"m"`
	}
	for in, want := range map[string]*int64{
		`{"n":30}`:     ptr(30),
		`{"n":"30"}`:   ptr(30),
		`{"n":30.9}`:   ptr(30),
		`{"n":"-2.5"}`: ptr(-2),
		`{"n":1e3}`:    ptr(1000),
		// Above 2^53, where a float64 would round them.
		`{"n":9007199254740993}`:      ptr(9007199254740993),
		`{"n":"1234567890123456789"}`: ptr(1234567890123456789),
		`{"n":null}`:                  nil,
		`{"n":""}`:                    ptr(0),
		`{"n":"null"}`:                ptr(0),
		`{}`:                          nil,
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			var v1, v2 doc
			require.NoError(t, stdjson.Unmarshal([]byte(in), &v1))
			require.NoError(t, json.Unmarshal([]byte(in), &v2))
			require.Equal(t, want, v1.N.Ptr())
			require.Equal(t, want, v2.N.Ptr())
		})
	}
	for _, in := range []string{`{"n":"NaN"}`, `{"n":"-Inf"}`, `{"n":1e19}`, `{"n":"abc"}`, `{"m":"12abc"}`, `{"n":true}`, `{"n":{"a":1}}`, `{"m":[1]}`} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			var v1, v2 doc
			require.ErrorContains(t, stdjson.Unmarshal([]byte(in), &v1), "number")
			require.ErrorContains(t, json.Unmarshal([]byte(in), &v2), "number")
		})
	}
}

func ptr(v int64) *int64 { return &v }

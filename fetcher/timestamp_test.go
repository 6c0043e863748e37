package fetcher_test

import (
	stdjson "encoding/json"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
)

// TestTimestampsDecodeTheSameUnderBothDecoders: every form a vendor sends a
// timestamp in, and the ones that are none, give the same time or the same
// refusal under encoding/json and under go-json-experiment/json; Time
// refuses the numbers UnixTime reads.
func TestTimestampsDecodeTheSameUnderBothDecoders(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		parsed, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return parsed.UTC()
	}
	type times struct {
		T fetcher.Time     `json:"t"`
		U fetcher.UnixTime `json:"u"`
	}
	for _, tc := range []struct {
		value    string
		want     time.Time
		unixOnly bool // Time refuses it
	}{
		{`"2025-03-01T10:00:03.011Z"`, at("2025-03-01T10:00:03.011Z"), false},
		{`"2025-03-01T12:00:03+02:00"`, at("2025-03-01T10:00:03Z"), false},
		{`"2025-03-01T10:00:03.5"`, at("2025-03-01T10:00:03.5Z"), false},
		{`"2025-03-01 10:00:03"`, at("2025-03-01T10:00:03Z"), false},
		{`"2025-03-01"`, at("2025-03-01T00:00:00Z"), false},
		{`" 2025-03-01T10:00:03Z "`, at("2025-03-01T10:00:03Z"), false},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`"null"`, time.Time{}, false},
		{`1740823203`, at("2025-03-01T10:00:03Z"), true},
		{`1740823203.0114`, at("2025-03-01T10:00:03.011400Z"), true},
		{`"1740823203"`, at("2025-03-01T10:00:03Z"), true},
		{`1740823203011`, at("2025-03-01T10:00:03.011Z"), true},
		{`0`, time.Time{}, true},
		{`"0"`, time.Time{}, true},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			for _, field := range []string{"t", "u"} {
				doc := []byte(`{"` + field + `":` + tc.value + `}`)
				var v1, v2 times
				err1 := stdjson.Unmarshal(doc, &v1)
				err2 := json.Unmarshal(doc, &v2)
				if field == "t" && tc.unixOnly {
					require.ErrorContains(t, err1, "timestamp", "Time took %s", tc.value)
					require.ErrorContains(t, err2, "timestamp", "Time took %s", tc.value)
					continue
				}
				require.NoError(t, err1)
				require.NoError(t, err2)
				require.Equal(t, v1, v2)
				got := map[string]time.Time{"t": v1.T.Time, "u": v1.U.Time}[field]
				require.True(t, tc.want.Equal(got), "%s: %s, want %s", doc, got, tc.want)
			}
		})
	}
	for _, bad := range []string{`"yesterday"`, `"1740823203x"`, `true`, `{}`, `[1]`, `"1850-01-01T00:00:00Z"`, `9740823203`, `-1`, `"-1740823203"`, `"NaN"`, `"Inf"`, `1e400`} {
		t.Run(bad, func(t *testing.T) {
			t.Parallel()
			for _, field := range []string{"t", "u"} {
				doc := []byte(`{"` + field + `":` + bad + `}`)
				var v1, v2 times
				require.ErrorContains(t, stdjson.Unmarshal(doc, &v1), "timestamp", "%s", doc)
				require.ErrorContains(t, json.Unmarshal(doc, &v2), "timestamp", "%s", doc)
			}
		})
	}
}

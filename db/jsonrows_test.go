package db

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestStripNULEscapes(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct{ name, in, want string }{
		{"NoEscapes", `{"a":"b"}`, `{"a":"b"}`},
		{"RemovesNUL", `{"a":"x\u0000y"}`, `{"a":"xy"}`},
		{"KeepsEscapedBackslash", `{"a":"x\\u0000y"}`, `{"a":"x\\u0000y"}`},
		{"BackslashThenNUL", `{"a":"\\\u0000"}`, `{"a":"\\"}`},
		{"KeepsOtherUnicode", `{"a":"\u00e9\u0001"}`, `{"a":"\u00e9\u0001"}`},
		{"AtEnd", `"\u0000"`, `""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := string(StripNULEscapes([]byte(tc.in)))
			require.Equal(t, tc.want, got)
			require.True(t, json.Valid([]byte(got)))
		})
	}
}

func FuzzStripNULEscapes(f *testing.F) {
	for _, s := range []string{"a\x00b", `\u0000`, "\\\x00", "\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var plain, stripped string
		require.NoError(t, json.Unmarshal(b, &plain))
		require.NoError(t, json.Unmarshal(StripNULEscapes(b), &stripped))
		require.Equal(t, strings.ReplaceAll(plain, "\x00", ""), stripped)
	})
}

// FuzzCleanJSON: a JSON string cleaned for jsonb decodes as it did, but for
// its NULs, which are gone (Go's decoder already takes invalid UTF-8 and
// half surrogate pairs for U+FFFD), and is valid UTF-8 without a half pair.
func FuzzCleanJSON(f *testing.F) {
	for _, s := range []string{`cut \ud83d`, `\ude00 alone`, `\ud83d\ude00`, `\\ud83d`, "caf\xe9", `\u0000`, `\ud83d\u0041`, `\ud83d`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := []byte(`"` + s + `"`)
		var want string
		if json.Unmarshal(in, &want) != nil {
			return // not a JSON string
		}
		out := CleanJSON(in)
		require.True(t, utf8.Valid(out))
		var got string
		require.NoError(t, json.Unmarshal(out, &got))
		require.Equal(t, strings.ReplaceAll(want, "\x00", ""), got)
		require.Equal(t, string(out), string(replaceLoneSurrogates(out)), "no half pair is left")
	})
}

package db

import (
	"encoding/json"
	"strings"
	"testing"

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

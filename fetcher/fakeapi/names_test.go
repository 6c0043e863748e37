package fakeapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFold(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Zoë":                 "zoe",
		"Łukasz":              "lukasz",
		"Nguyễn":              "nguyen",
		"Bjørn":               "bjorn",
		"O'Brien":             "obrien",
		"da Silva":            "dasilva",
		"Müller & Söhne GmbH": "mullersohnegmbh",
		"Inês João Ñandú":     "inesjoaonandu",
		"user_42":             "user42",
		"ログイン":                "",
	} {
		require.Equal(t, want, Fold(in), in)
	}
}

func TestEmailLocal(t *testing.T) {
	t.Parallel()
	require.Equal(t, "zoe.obrien", EmailLocal("Zoë", "O'Brien"))
	require.Equal(t, "ada", EmailLocal("Ada", ""), "empty parts leave no dot")
	require.Equal(t, "smith", EmailLocal("ログ", "Smith"), "nor do parts that fold to nothing")
	require.Empty(t, EmailLocal("ログ"))
}

package fakeapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewHelpDeskIsFreshPerCall(t *testing.T) {
	t.Parallel()
	a := NewHelpDesk()
	a.FirstNames[0] = "changed"
	a.Companies = append(a.Companies[:1], "appended")
	b := NewHelpDesk()
	require.Equal(t, "Alice", b.FirstNames[0])
	require.Equal(t, "Globex", b.Companies[1])
	for _, list := range [][]string{b.FirstNames, b.LastNames, b.Companies, b.Subjects, b.Problems, b.Openers, b.Replies, b.FollowUps, b.Notes} {
		require.NotEmpty(t, list)
	}
}

func TestLongBody(t *testing.T) {
	t.Parallel()
	require.Greater(t, len(LongBody()), 16_000)
}

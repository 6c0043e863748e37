package fakeapitest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// RequireDeterministic checks a fake's Generate: a seed always draws the
// same data, and another seed other data. snapshot generates a workspace
// from seed and returns its Snapshot.
func RequireDeterministic[S any](t *testing.T, snapshot func(seed int64) S) {
	t.Helper()
	first := snapshot(42)
	require.Equal(t, first, snapshot(42), "the same seed, the same data")
	require.NotEqual(t, first, snapshot(43), "another seed, other data")
}

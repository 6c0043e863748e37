package fakeapitest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadWhileMutating(t *testing.T) {
	t.Parallel()
	var (
		mutated []int
		reads   int
	)
	ReadWhileMutating(50, func(i int) { mutated = append(mutated, i) }, func() { reads++ })
	require.Equal(t, 3, reads)
	require.Len(t, mutated, 50, "it returns once every mutation is done")
	require.Equal(t, 49, mutated[49], "in order")
}

package fakeapitest

import (
	"math/rand/v2"
	"testing"
)

func TestRequireDeterministic(t *testing.T) {
	t.Parallel()
	RequireDeterministic(t, func(seed int64) []int {
		rng := rand.New(rand.NewPCG(uint64(seed), 0))
		return []int{rng.IntN(1000), rng.IntN(1000), rng.IntN(1000)}
	})
}

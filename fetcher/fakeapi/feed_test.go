package fakeapi

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFeed(t *testing.T) {
	t.Parallel()
	var f Feed[string]
	f.Publish([]string{"before anyone listens"})

	var a, b []string
	cancelA := f.Subscribe(func(ch []string) { a = append(a, ch...) })
	f.Subscribe(func(ch []string) { b = append(b, ch...) })
	f.Publish([]string{"x", "y"})
	f.Publish(nil)
	cancelA()
	cancelA() // cancelling twice is harmless
	f.Publish([]string{"z"})

	require.Equal(t, []string{"x", "y"}, a)
	require.Equal(t, []string{"x", "y", "z"}, b)
}

func TestFeedMutatePublishesAfterUnlocking(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.RWMutex
		f      Feed[int]
		state  int
		events []int
	)
	f.Subscribe(func(ch []int) {
		mu.RLock() // would deadlock if Mutate still held mu
		defer mu.RUnlock()
		events = append(events, ch[0]*100+state)
	})
	f.Mutate(&mu, func() []int {
		state = 7
		return []int{1}
	})
	f.Mutate(&mu, func() []int { return nil })
	require.Equal(t, []int{107}, events, "published once, seeing the mutated state")
}

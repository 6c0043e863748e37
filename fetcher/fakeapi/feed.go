package fakeapi

import (
	"slices"
	"sync"
)

// Feed tells subscribers what a fake workspace's mutations changed, in the
// vendor's terms (T). A workspace publishes after it has released its own
// lock, so that a subscriber may read the workspace (to render a webhook's
// body) without deadlocking. It has a lock of its own, so that servers
// come and go while the workspace mutates. The zero value has no subscriber.
type Feed[T any] struct {
	mu   sync.Mutex
	subs []*feedSub[T] // replaced, never changed in place: Publish reads it unlocked
}

type feedSub[T any] struct{ fn func([]T) }

// Subscribe calls fn with the changes of every later mutation, in the
// mutating goroutine; cancel stops that.
func (f *Feed[T]) Subscribe(fn func([]T)) (cancel func()) {
	s := &feedSub[T]{fn: fn}
	f.mu.Lock()
	f.subs = append(slices.Clip(f.subs), s)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.subs = slices.DeleteFunc(slices.Clone(f.subs), func(x *feedSub[T]) bool { return x == s })
	}
}

// Mutate runs mutation with mu held, then publishes the changes it reports
// once mu is released: the order every workspace mutation follows, so that
// subscribers can take mu themselves (to read) and a mutation returns only
// after its changes are published.
func (f *Feed[T]) Mutate(mu sync.Locker, mutation func() []T) {
	f.Publish(locked(mu, mutation))
}

func locked[T any](mu sync.Locker, mutation func() []T) []T {
	mu.Lock()
	defer mu.Unlock()
	return mutation()
}

// Publish tells every subscriber about changes; it does nothing when there
// are none.
func (f *Feed[T]) Publish(changes []T) {
	if len(changes) == 0 {
		return
	}
	f.mu.Lock()
	subs := f.subs
	f.mu.Unlock()
	for _, s := range subs {
		s.fn(changes)
	}
}

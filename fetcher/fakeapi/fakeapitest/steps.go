package fakeapitest

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// Steps follows a webhook of a fake's server mutation by mutation: each
// Step says what the events a mutation caused were about.
type Steps struct {
	// WaitWebhooks is the server's.
	WaitWebhooks func(context.Context) error
	// Events returns every event the webhook received so far, in order of
	// arrival, after checking that each came as the vendor sends it.
	Events func(t *testing.T) []map[string]any
	// Label says what an event is about, read where a receiver reads it.
	Label func(t *testing.T, ev map[string]any) string

	seen int // events already labelled by Step
}

// Wait waits until no delivery is pending.
func (s *Steps) Wait(t *testing.T) {
	t.Helper()
	require.NoError(t, s.WaitWebhooks(context.Background()))
}

// Step runs mutate, waits for its webhooks and returns the labels of the
// events that arrived since the previous step, sorted: deliveries come in
// any order.
func (s *Steps) Step(t *testing.T, mutate func()) []string {
	t.Helper()
	mutate()
	s.Wait(t)
	events := s.Events(t)
	got := []string{}
	for _, ev := range events[s.seen:] {
		got = append(got, s.Label(t, ev))
	}
	s.seen = len(events)
	slices.Sort(got)
	return got
}

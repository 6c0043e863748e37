package fakeapitest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSteps(t *testing.T) {
	t.Parallel()
	var (
		events []map[string]any
		waits  int
	)
	s := &Steps{
		WaitWebhooks: func(context.Context) error { waits++; return nil },
		Events:       func(*testing.T) []map[string]any { return events },
		Label:        func(_ *testing.T, ev map[string]any) string { return ev["type"].(string) },
	}
	arrive := func(types ...string) func() {
		return func() {
			for _, typ := range types {
				events = append(events, map[string]any{"type": typ})
			}
		}
	}

	require.Equal(t, []string{"a_created", "b_updated"}, s.Step(t, arrive("b_updated", "a_created")), "sorted")
	require.Equal(t, []string{"c_deleted"}, s.Step(t, arrive("c_deleted")), "only what came since")
	require.Equal(t, []string{}, s.Step(t, arrive()))
	require.Equal(t, 3, waits, "every step waits for its deliveries")
}

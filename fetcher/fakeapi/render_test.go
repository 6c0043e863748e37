package fakeapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// testChange is a change of a test workspace: an event type and an object.
type testChange struct{ typ, id string }

func (c testChange) EventType() string { return c.typ }

// lockSpy stands for a workspace's read lock: it records whether it is held
// and how often it was taken.
type lockSpy struct {
	held   bool
	locked int
}

func (l *lockSpy) Lock() {
	l.held = true
	l.locked++
}

func (l *lockSpy) Unlock() { l.held = false }

func TestRender(t *testing.T) {
	t.Parallel()
	d := newDispatcher(t, WebhookOptions{})
	d.Add(WebhookEndpoint{URL: "http://127.0.0.1:1/", EventTypes: []string{"created", "deleted"}, Active: true})
	lock := &lockSpy{}
	var rendered []string
	render := func(c testChange) (any, bool) {
		require.True(t, lock.held, "rendering reads the workspace: under its lock")
		rendered = append(rendered, c.id)
		return "payload of " + c.id, c.id != "gone"
	}

	events := Render(d, lock, []testChange{{"created", "a"}, {"updated", "a"}, {"created", "gone"}, {"deleted", "b"}}, render)
	require.Equal(t, []Event{{Type: "created", Payload: "payload of a"}, {Type: "deleted", Payload: "payload of b"}}, events,
		"an object gone since is dropped")
	require.Equal(t, []string{"a", "gone", "b"}, rendered, "what no endpoint wants is not rendered")
	require.False(t, lock.held)
	require.Equal(t, 1, lock.locked, "one lock for the whole batch")

	require.Nil(t, Render(d, lock, []testChange{{"updated", "a"}}, render))
	require.Equal(t, 1, lock.locked, "nothing wanted: the workspace is not even locked")
}

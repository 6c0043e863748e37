package fakeapi

import "sync"

// A Change is what a workspace mutation tells its servers through the Feed:
// the type of the webhook event it causes, and whatever else the vendor's
// fake needs to render that event later.
type Change interface {
	EventType() string
}

// Event is a change rendered for delivery: its type, and the payload the
// vendor's envelope carries.
type Event struct {
	Type    string
	Payload any
}

// Render renders the changes some endpoint of d wants, holding rlock (the
// workspace's read lock) so that what render reads does not change under
// it. Changes nobody wants are not rendered at all, so that a workspace
// nobody listens to mutates as fast as one without webhooks. render reports
// false for a change whose object is gone since (a later mutation deleted
// it, and publishes its own event); that change is dropped.
func Render[C Change](d *WebhookDispatcher, rlock sync.Locker, changes []C, render func(C) (payload any, ok bool)) []Event {
	wanted := wantedChanges(d, changes)
	if len(wanted) == 0 {
		return nil
	}
	rlock.Lock()
	defer rlock.Unlock()
	events := make([]Event, 0, len(wanted))
	for _, ch := range wanted {
		if payload, ok := render(ch); ok {
			events = append(events, Event{Type: ch.EventType(), Payload: payload})
		}
	}
	return events
}

// wantedChanges are the changes whose event some endpoint of d receives.
func wantedChanges[C Change](d *WebhookDispatcher, changes []C) []C {
	var wanted []C
	for _, ch := range changes {
		if d.Wants(ch.EventType()) {
			wanted = append(wanted, ch)
		}
	}
	return wanted
}

// Package fakeapi holds what the fake vendor APIs share: the machinery of a
// fake, as opposed to a vendor's wire format and data model, which each
// vendor's fake keeps for itself. That is the server Shell (loopback
// server, request counters, latency, rate limits, injected faults), bearer
// authentication, the workspace Clock, the help-desk vocabulary and the
// folding of names into addresses, what Generate functions draw with, and
// webhooks: the Feed through which a workspace tells its servers what a
// mutation changed, Render, which turns those changes into the events some
// endpoint wants, and the WebhookDispatcher that delivers a vendor's events
// to the endpoints registered with it.
// Package fakeapitest holds what the fakes' tests share.
package fakeapi

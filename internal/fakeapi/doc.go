// Package fakeapi holds what the fake vendor APIs share: the machinery of a
// fake, as opposed to a vendor's wire format and data model, which each
// vendor's fake keeps for itself.
package fakeapi

// Package mirrordiff collects the differences between a mirror and the
// source it was synced from, for the per-vendor checkers.
package mirrordiff

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
)

// maxDiffs caps the differences kept: past a few, more say nothing new.
const maxDiffs = 25

// Diffs is a list of differences.
type Diffs struct {
	list []string
}

// List returns the differences found; none means the mirror is exact.
func (d *Diffs) List() []string { return d.list }

// Add records a difference.
func (d *Diffs) Add(format string, args ...any) {
	if len(d.list) < maxDiffs {
		d.list = append(d.list, fmt.Sprintf(format, args...))
	} else if len(d.list) == maxDiffs {
		d.list = append(d.list, "… (more differences)")
	}
}

// Eq records a difference when a field differs.
func (d *Diffs) Eq(id, field, want, got string) {
	if want != got {
		d.Add("%s: %s is %q in the mirror, %q at the source", id, field, got, want)
	}
}

// EqTime records a difference when a time differs (nil is the zero time).
func (d *Diffs) EqTime(id, field string, want time.Time, got *time.Time) {
	g := time.Time{}
	if got != nil {
		g = *got
	}
	if !want.Equal(g) {
		d.Add("%s: %s is %s in the mirror, %s at the source", id, field, g.UTC().Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
}

// Str reads a nullable text column.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// OrNull shows a nullable text column, null included.
func OrNull(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// Set returns the distinct values of s in order: links are sets in the
// mirror, whatever repeats a vendor's list may carry.
func Set(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

// LiveMessage checks a mirrored message that the source still has: it must
// not be marked deleted.
func (d *Diffs) LiveMessage(key string, m dbq.LiveMessagesRow) {
	if m.DeletedAt != nil {
		d.Add("%s: marked deleted in the mirror, still at the source", key)
	}
}

// GoneMessage checks a mirrored message that the source no longer has: it
// must be marked deleted, and its text dropped.
func (d *Diffs) GoneMessage(conversationID, id string, m dbq.LiveMessagesRow) {
	switch {
	case m.DeletedAt == nil:
		d.Add("%s: message %s is in the mirror but not at the source", conversationID, id)
	case m.Body != nil:
		d.Add("%s: message %s is marked deleted but keeps its text", conversationID, id)
	}
}

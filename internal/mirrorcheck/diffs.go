package mirrorcheck

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// maxDiffs caps the differences kept: past a few, more say nothing new.
const maxDiffs = 25

// null is how a field shows SQL NULL where NULL and "" differ (a deleted
// message's body).
const null = "<null>"

// diffs is a list of differences.
type diffs struct {
	list []string
}

func (d *diffs) add(format string, args ...any) {
	if len(d.list) < maxDiffs {
		d.list = append(d.list, fmt.Sprintf(format, args...))
	} else if len(d.list) == maxDiffs {
		d.list = append(d.list, "… (more differences)")
	}
}

// fields records each wanted field that got differs in.
func (d *diffs) fields(id string, want, got Record) {
	for _, f := range slices.Sorted(maps.Keys(want)) {
		if want[f] != got[f] {
			d.add("%s: %s is %q in the mirror, %q at the source", id, f, got[f], want[f])
		}
	}
}

// present checks that each wanted item is in got, with its fields.
func (d *diffs) present(kind string, want []Item, got map[string]Record) {
	for _, w := range want {
		g, ok := got[w.ID]
		if !ok {
			d.add("%s %s missing", kind, w.ID)
			continue
		}
		d.fields(kind+" "+w.ID, w.Fields, g)
	}
}

// Text shows a nullable text column as Records hold it: NULL is "".
func Text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Nullable shows a nullable text column where NULL and "" differ.
func Nullable(p *string) string {
	if p == nil {
		return null
	}
	return *p
}

// Time shows a time as Records hold it; the zero time stands for NULL.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// TimePtr shows a nullable time column.
func TimePtr(t *time.Time) string {
	if t == nil {
		return Time(time.Time{})
	}
	return Time(*t)
}

// Set shows a list as the mirror holds it: links are sets, whatever repeats
// a vendor's list may carry.
func Set(s []string) string {
	out := slices.Clone(s)
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ",")
}

// Pairs shows a map of names to values as a set of name=value.
func Pairs(m map[string]string) string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return Set(out)
}

// StageVersion is one version of a conversation's history, as "stage history"
// lists them.
func StageVersion(from time.Time, nativeStatus, via string) string {
	return Time(from) + " " + nativeStatus + " " + via
}

// History is a conversation's versions, oldest first, as one value.
func History(versions []string) string { return strings.Join(versions, " | ") }

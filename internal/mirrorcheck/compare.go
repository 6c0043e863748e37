// Package mirrorcheck compares a mirror with the fake vendor account it was
// synced from, field by field, so that tests, the benchmark and the demo can
// show the mirror is exact: nothing missing, nothing extra, nothing stale.
//
// One comparison serves every vendor: each vendor's file only says what the
// mirror should hold for its fake's snapshot (a Want), in the mirror's own
// terms, and leaves out what its API does not tell.
package mirrorcheck

import (
	"context"
	"maps"
	"slices"

	"github.com/syncerhq/syncer/db/dbq"
)

// Record is a row in the mirror's terms: column (or derived field) → value
// as text. A Want names only the fields its vendor's fake knows; the others
// are not compared.
type Record map[string]string

// Item is one thing the mirror should hold.
type Item struct {
	ID     string
	Fields Record
}

// Conversation is what the mirror should hold for one conversation.
type Conversation struct {
	Item
	// Messages are every message still at the source; the mirror's others
	// must be marked deleted.
	Messages []Item
	// Metrics are the SLA metrics, compared both ways; nil leaves them out.
	Metrics []Item
}

// Want is what the mirror of one source should hold.
type Want struct {
	// Conversations are every live conversation at the source: the mirror
	// must hold these and no others.
	Conversations []Conversation
	// Chats and Users must be in the mirror; it may hold more (those of
	// conversations deleted since).
	Chats, Users []Item
}

// Compare returns the differences between the live rows of source and want;
// none means the mirror is exact.
func Compare(ctx context.Context, q *dbq.Queries, source string, want Want) ([]string, error) {
	m, err := load(ctx, q, source)
	if err != nil {
		return nil, err
	}
	var d diffs
	wanted := map[string]bool{}
	for _, wc := range want.Conversations {
		wanted[wc.ID] = true
		got, ok := m.convs[wc.ID]
		if !ok {
			d.add("conversation %s missing", wc.ID)
			continue
		}
		d.fields(wc.ID, wc.Fields, got)
		compareMessages(&d, wc, m.messages[wc.ID])
		if wc.Metrics != nil {
			compareMetrics(&d, wc, m.metrics[wc.ID])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.convs)) {
		if !wanted[id] {
			d.add("conversation %s is in the mirror but not at the source", id)
		}
	}
	d.present("chat", want.Chats, m.chats)
	d.present("user", want.Users, m.users)
	return d.list, nil
}

func compareMessages(d *diffs, wc Conversation, got map[string]message) {
	seen := map[string]bool{}
	for _, wm := range wc.Messages {
		seen[wm.ID] = true
		m, ok := got[wm.ID]
		if !ok {
			d.add("%s: message %s missing", wc.ID, wm.ID)
			continue
		}
		key := wc.ID + " message " + wm.ID
		if m.deleted {
			d.add("%s: marked deleted in the mirror, still at the source", key)
		}
		d.fields(key, wm.Fields, m.fields)
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		m := got[id]
		switch {
		case seen[id]:
		case !m.deleted:
			d.add("%s: message %s is in the mirror but not at the source", wc.ID, id)
		case m.fields["body"] != null:
			d.add("%s: message %s is marked deleted but keeps its text", wc.ID, id)
		}
	}
}

func compareMetrics(d *diffs, wc Conversation, got map[string]Record) {
	seen := map[string]bool{}
	for _, wm := range wc.Metrics {
		seen[wm.ID] = true
		m, ok := got[wm.ID]
		if !ok {
			d.add("%s: SLA metric %s missing", wc.ID, wm.ID)
			continue
		}
		d.fields(wc.ID+" metric "+wm.ID, wm.Fields, m)
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if !seen[name] {
			d.add("%s: SLA metric %s is in the mirror but not at the source", wc.ID, name)
		}
	}
}

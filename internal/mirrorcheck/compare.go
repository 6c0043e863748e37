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
		d.children(wc.ID, "message", live(wc.Messages), m.messages[wc.ID], messageGone)
		if wc.Metrics != nil {
			d.children(wc.ID, "SLA metric", wc.Metrics, m.metrics[wc.ID], metricGone)
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

// messageGone says what is wrong with a message the mirror holds and the
// source does not: it must be marked deleted, its text dropped.
func messageGone(m Record) string {
	switch {
	case m["deleted"] != "true":
		return "is in the mirror but not at the source"
	case m["body"] != null:
		return "is marked deleted but keeps its text"
	}
	return ""
}

func metricGone(Record) string { return "is in the mirror but not at the source" }

// children compares a conversation's messages or SLA metrics both ways;
// gone says what is wrong with one the mirror holds and the source does
// not ("" for nothing).
func (d *diffs) children(convID, kind string, want []Item, got map[string]Record, gone func(Record) string) {
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.ID] = true
		g, ok := got[w.ID]
		if !ok {
			d.add("%s: %s %s missing", convID, kind, w.ID)
			continue
		}
		d.fields(convID+" "+kind+" "+w.ID, w.Fields, g)
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if seen[id] {
			continue
		}
		if problem := gone(got[id]); problem != "" {
			d.add("%s: %s %s %s", convID, kind, id, problem)
		}
	}
}

// live is a message's wanted fields: one still at the source is not marked
// deleted in the mirror.
func live(messages []Item) []Item {
	out := make([]Item, len(messages))
	for i, m := range messages {
		fields := Record{"deleted": "false"}
		maps.Copy(fields, m.Fields)
		out[i] = Item{ID: m.ID, Fields: fields}
	}
	return out
}

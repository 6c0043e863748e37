package devrevtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"
)

// cursor is the opaque next_cursor/prev_cursor token: a keyset bound plus the
// filter of the listing it continues. Carrying the filter means a client may
// send only the cursor on later pages, as with the real API.
type cursor struct {
	List    string     `json:"l"`           // which listing: "conversations" or a conversation number
	Set     bool       `json:"s,omitempty"` // see bound
	Before  bool       `json:"b,omitempty"`
	Incl    bool       `json:"i,omitempty"`
	A       int64      `json:"k,omitempty"`
	B       int64      `json:"n,omitempty"`
	Page    int        `json:"p,omitempty"` // pages served so far; makes every cursor distinct
	Empties int        `json:"e,omitempty"` // consecutive injected empty pages
	Filter  listFilter `json:"f"`
}

// listFilter is a listing's filter in canonical form: times normalised to UTC
// RFC 3339, arrays sorted, so equal filters compare equal.
type listFilter struct {
	After      string   `json:"a,omitempty"`
	Before     string   `json:"b,omitempty"`
	Stages     []string `json:"s,omitempty"`
	Visibility []string `json:"v,omitempty"`
}

func (f listFilter) empty() bool {
	return f.After == "" && f.Before == "" && len(f.Stages) == 0 && len(f.Visibility) == 0
}

func (f listFilter) equal(o listFilter) bool {
	return f.After == o.After && f.Before == o.Before &&
		slices.Equal(f.Stages, o.Stages) && slices.Equal(f.Visibility, o.Visibility)
}

// compiledFilter is listFilter ready for matching.
type compiledFilter struct {
	after, before time.Time // zero = unset
	stages        []string
	visibility    []string
}

func (f listFilter) compile() compiledFilter {
	var c compiledFilter
	c.after, _ = time.Parse(time.RFC3339Nano, f.After)
	c.before, _ = time.Parse(time.RFC3339Nano, f.Before)
	c.stages, c.visibility = f.Stages, f.Visibility
	return c
}

func (c *compiledFilter) matchConversation(conv *conversation) bool {
	// Both date bounds are inclusive, as the spec says.
	if !c.after.IsZero() && conv.modified.Before(c.after) {
		return false
	}
	if !c.before.IsZero() && conv.modified.After(c.before) {
		return false
	}
	return len(c.stages) == 0 || slices.Contains(c.stages, conv.stage)
}

func (c *compiledFilter) matchEntry(e *entry) bool {
	if len(c.visibility) == 0 {
		return true
	}
	v := e.visibility
	if v == "" {
		v = "external" // the spec's default when unset
	}
	return slices.Contains(c.visibility, v)
}

func (c cursor) bound() bound {
	return bound{set: c.Set, before: c.Before, incl: c.Incl, key: seqKey{A: c.A, B: c.B}}
}

// follow is the cursor that continues from this one to bound b.
func (c cursor) follow(b bound, empties int) cursor {
	return cursor{
		List: c.List, Set: b.set, Before: b.before, Incl: b.incl, A: b.key.A, B: b.key.B,
		Page: c.Page + 1, Empties: empties, Filter: c.Filter,
	}
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // cannot fail: plain struct
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = errors.New("invalid cursor")

func decodeCursor(s, list string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errBadCursor
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c cursor
	if err := dec.Decode(&c); err != nil || c.List != list {
		return cursor{}, errBadCursor
	}
	return c, nil
}

// startCursor resolves a list request's cursor and filter: a new listing when
// the request has no cursor, else the cursor's listing, whose filter the
// request may repeat but not change.
func startCursor(p params, list string, f listFilter) (cursor, error) {
	raw := p.str("cursor")
	if raw == "" {
		c := cursor{List: list, Filter: f}
		if p.str("mode") == "before" {
			c.Before = true
		}
		return c, nil
	}
	c, err := decodeCursor(raw, list)
	if err != nil {
		return cursor{}, err
	}
	if !f.empty() && !f.equal(c.Filter) {
		return cursor{}, errors.New("the filter differs from the one the cursor was issued for")
	}
	return c, nil
}

// pageCursors renders a page's next and prev cursors ("" = absent). Every
// after-page but the first has a prev_cursor, even when only empty pages came
// before it (it then leads to an empty page).
func pageCursors(cur cursor, pg page, empty bool) (next, prev string) {
	b := cur.bound()
	switch {
	case empty:
		next = cur.follow(b, cur.Empties+1).encode()
		if cur.Set {
			prev = cur.follow(b.complement(), 0).encode()
		}
	default:
		if pg.next != nil {
			next = cur.follow(*pg.next, 0).encode()
		}
		if pg.prev != nil {
			prev = cur.follow(*pg.prev, 0).encode()
		}
	}
	if prev == "" && cur.Page > 0 && !cur.Before {
		prev = cur.follow(bound{set: true, before: true, key: seqKey{A: math.MinInt64, B: math.MinInt64}}, 0).encode()
	}
	return next, prev
}

package devrevtest

import (
	"cmp"
	"slices"
	"sort"
)

// seqKey is an item's position in a list's sort order. Pages are keyset
// ranges over it, so an item inserted or removed between two page requests
// cannot shift the others across the page boundary (no duplicates, no skips).
type seqKey struct{ A, B int64 }

func (k seqKey) cmp(o seqKey) int {
	if c := cmp.Compare(k.A, o.A); c != 0 {
		return c
	}
	return cmp.Compare(k.B, o.B)
}

// seq is a list in sort order (ascending keys) with a filter.
type seq interface {
	Len() int
	Key(i int) seqKey
	Match(i int) bool
}

// bound is where a page starts: the items after key (mode "after") or before
// it (mode "before"), key itself included when incl is set. Without set, an
// after-page starts at the beginning and a before-page at the end.
type bound struct {
	set    bool
	before bool
	key    seqKey
	incl   bool
}

// complement is the bound of everything the page request b did not cover; it
// is what the opposite cursor of an empty page points to.
func (b bound) complement() bound {
	return bound{set: true, before: !b.before, key: b.key, incl: !b.incl}
}

func (b bound) contains(k seqKey) bool {
	c := k.cmp(b.key)
	if b.before {
		return c < 0 || (b.incl && c == 0)
	}
	return c > 0 || (b.incl && c == 0)
}

// page is one list page: positions in seq, and the bounds of the pages next to
// it (nil when there is nothing there).
type page struct {
	idx        []int
	next, prev *bound
}

// paginate returns the page of at most limit matching items at b. It scans
// past the page only to learn whether another match exists, so the last page
// can omit next_cursor like the real API.
func paginate(s seq, b bound, limit int) page {
	n := s.Len()
	var p page
	if !b.before {
		i := 0
		if b.set {
			i = sort.Search(n, func(i int) bool { return b.contains(s.Key(i)) })
		}
		for ; i < n && len(p.idx) < limit; i++ {
			if s.Match(i) {
				p.idx = append(p.idx, i)
			}
		}
		if len(p.idx) > 0 && anyMatch(s, i, n, 1) {
			p.next = &bound{set: true, key: s.Key(p.idx[len(p.idx)-1])}
		}
		if b.set {
			p.prev = edge(s, p.idx, 0, b, true)
		}
		return p
	}

	j := n
	if b.set {
		j = sort.Search(n, func(i int) bool { return !b.contains(s.Key(i)) })
	}
	i := j - 1
	for ; i >= 0 && len(p.idx) < limit; i-- {
		if s.Match(i) {
			p.idx = append(p.idx, i)
		}
	}
	slices.Reverse(p.idx)
	if len(p.idx) > 0 && anyMatch(s, i, -1, -1) {
		p.prev = &bound{set: true, before: true, key: s.Key(p.idx[0])}
	}
	if b.set && anyMatch(s, j, n, 1) {
		p.next = edge(s, p.idx, len(p.idx)-1, b, false)
	}
	return p
}

// edge is the bound on the far side of the page from its item at pos, or the
// complement of the request when the page is empty.
func edge(s seq, idx []int, pos int, b bound, before bool) *bound {
	if len(idx) == 0 {
		c := b.complement()
		return &c
	}
	return &bound{set: true, before: before, key: s.Key(idx[pos])}
}

func anyMatch(s seq, from, to, step int) bool {
	for i := from; i != to; i += step {
		if s.Match(i) {
			return true
		}
	}
	return false
}

// orderIndex is the conversations in list order for one server seed. The
// order is a hash of the id, not a date: clients must not assume
// conversations.list is sorted by modified_date.
type orderIndex struct {
	seed  int64
	items []orderItem
}

type orderItem struct {
	key seqKey
	c   *conversation
}

func newOrderIndex(seed int64, convs map[int]*conversation) *orderIndex {
	o := &orderIndex{seed: seed, items: make([]orderItem, 0, len(convs))}
	for _, c := range convs {
		o.items = append(o.items, orderItem{key: o.key(c), c: c})
	}
	slices.SortFunc(o.items, func(a, b orderItem) int { return a.key.cmp(b.key) })
	return o
}

// key is FNV-1a of the seed and the DON. Flipping the top bit maps the uint64
// hash onto int64 without changing its order.
func (o *orderIndex) key(c *conversation) seqKey {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := range 8 {
		h = (h ^ uint64(byte(o.seed>>(8*i)))) * prime
	}
	id := conversationID(c.num)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * prime
	}
	return seqKey{A: int64(h ^ 1<<63), B: int64(c.num)}
}

func (o *orderIndex) search(k seqKey) (int, bool) {
	return slices.BinarySearchFunc(o.items, k, func(it orderItem, k seqKey) int { return it.key.cmp(k) })
}

func (o *orderIndex) insert(c *conversation) {
	k := o.key(c)
	i, _ := o.search(k)
	o.items = slices.Insert(o.items, i, orderItem{key: k, c: c})
}

func (o *orderIndex) remove(c *conversation) {
	if i, ok := o.search(o.key(c)); ok {
		o.items = slices.Delete(o.items, i, i+1)
	}
}

// order returns the list order for seed, building it on first use. The caller
// must hold w.mu for writing.
func (w *Workspace) order(seed int64) *orderIndex {
	o, ok := w.orders[seed]
	if !ok {
		o = newOrderIndex(seed, w.convs)
		w.orders[seed] = o
	}
	return o
}

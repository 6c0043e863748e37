package db

import (
	"slices"
	"time"

	"github.com/syncerhq/syncer/record"
)

// How a version's valid_from is known (conversation_history.observed_via).
const (
	// ViaEvent: the vendor recorded the change (or the conversation's
	// creation) with its own time.
	ViaEvent = "event"
	// ViaModified: syncer saw the change, dated by the vendor's modification
	// time, which is at or after the change itself.
	ViaModified = "modified"
	// ViaSync: syncer saw the change but the vendor's modification time
	// cannot date it (it did not move); dated by when syncer saw it.
	ViaSync = "sync"
)

// version is one version of a conversation's history as the merge edits it.
type version struct {
	From      time.Time
	State     record.ConversationState
	Via       string
	ChangedBy string
	Evidence  evidence
}

// evidence is what a version rests on (conversation_history.evidence). A
// version's state follows from it: the state observed at From when there is
// one; else, for a change record, the version before with the record's new
// values; else, for the creation version, the state the first change record
// says the conversation had before it.
type evidence struct {
	// Change is the vendor's record of the change at From.
	Change *record.ConversationChange `json:"change,omitempty"`
	// Observed is the state syncer read with the vendor's modification time
	// From (for versions observed_via modified or sync, the version's own
	// columns: not stored twice).
	Observed *record.ConversationState `json:"observed,omitempty"`
	// Creation marks the version that starts at the conversation's creation,
	// written once the vendor's change records are complete since then.
	Creation bool `json:"creation,omitempty"`
}

// observedOnly reports whether v rests on an observation alone: such a
// version that changes nothing is dropped, since the versions before it
// already say what it saw.
func (v *version) observedOnly() bool {
	return v.Evidence.Change == nil && !v.Evidence.Creation
}

// history is one conversation's versions, oldest first. Facts are merged in
// with the apply methods, in any order, and settle then derives every
// version's state and drops the versions that change nothing. Merging the
// same fact twice changes nothing: a page read again adds no version.
type history struct {
	versions []version
}

// find returns the index of the version in effect at t (the last one from
// at or before t; -1 when none) and whether it starts exactly at t.
func (h *history) find(t time.Time) (int, bool) {
	i, exact := slices.BinarySearchFunc(h.versions, t, func(v version, t time.Time) int { return v.From.Compare(t) })
	if exact {
		return i, true
	}
	return i - 1, false
}

func (h *history) insert(i int, v version) {
	h.versions = slices.Insert(h.versions, i, v)
}

// applyChange merges the vendor's record of a change. A change at the very
// time of a version joins it (two records of one instant are one change);
// one older than the current version goes in the middle, and the versions
// after it are derived again by settle.
func (h *history) applyChange(c record.ConversationChange) {
	c.ConversationID = "" // the row says it
	c.At = historyTime(c.At)
	// In one order, so that the same record read again is stored alike.
	c.Sets = slices.Sorted(slices.Values(c.Sets))
	i, exact := h.find(c.At)
	if exact {
		v := &h.versions[i]
		v.Via = ViaEvent
		v.Evidence.Change = mergeChanges(v.Evidence.Change, c)
		if v.ChangedBy == "" {
			v.ChangedBy = c.ChangedBy
		}
		return
	}
	// Until settle derives it, a new version starts from its neighbour's
	// state: the one before, or for a first version the one after (the
	// nearest state known: fields the change does not set were, as far as
	// anything says, the same).
	var start record.ConversationState
	switch {
	case i >= 0:
		start = h.versions[i].State
	case len(h.versions) > 0:
		start = h.versions[0].State
	}
	h.insert(i+1, version{From: c.At, State: start, Via: ViaEvent, ChangedBy: c.ChangedBy, Evidence: evidence{Change: &c}})
}

// mergeChanges merges change records of the same instant: the fields either
// sets, the later record's values winning.
func mergeChanges(a *record.ConversationChange, b record.ConversationChange) *record.ConversationChange {
	if a == nil {
		return &b
	}
	m := *a
	m.Sets = slices.Clone(a.Sets)
	for _, f := range b.Sets {
		if !slices.Contains(m.Sets, f) {
			m.Sets = append(m.Sets, f)
		}
		m.After = m.After.With(f, b.After)
		if b.Before != nil {
			before := record.ConversationState{}
			if m.Before != nil {
				before = *m.Before
			}
			before = before.With(f, *b.Before)
			m.Before = &before
		}
	}
	slices.Sort(m.Sets)
	if m.ChangedBy == "" {
		m.ChangedBy = b.ChangedBy
	}
	return &m
}

// applyObservation merges the state syncer read of a conversation whose
// vendor modification time is modifiedAt, at now. The state changed at or
// before modifiedAt: a new version is dated by it (modified). When the
// modification time did not move past the version in effect, the change
// cannot be dated by it and is dated now (sync).
func (h *history) applyObservation(s record.ConversationState, modifiedAt, now time.Time) {
	s.AssigneeIDs = record.SortedIDs(s.AssigneeIDs)
	// A modification time ahead of the database's clock is still the
	// vendor's: its change records (and creation time) come from the same
	// clock, and must line up with it.
	t, via := historyTime(modifiedAt), ViaModified
	if t.IsZero() {
		t, via = now, ViaSync
	}
	i, exact := h.find(t)
	if i >= 0 && h.versions[i].State.Equal(s) {
		return
	}
	if !exact {
		h.insert(i+1, version{From: t, State: s, Via: via, Evidence: evidence{Observed: &s}})
		return
	}
	v := &h.versions[i]
	if v.observedOnly() && i == len(h.versions)-1 && now.After(t) {
		// Seen before with this modification time and another state: the
		// vendor changed it without moving its modification time.
		h.versions = append(h.versions, version{From: now, State: s, Via: ViaSync, Evidence: evidence{Observed: &s}})
		return
	}
	// The state after the change recorded at this very instant (or after
	// the creation): what the record does not say, the observation does.
	v.Evidence.Observed = &s
}

// applyCreation starts the history at the conversation's creation, once the
// vendor's change records are complete since then: the conversation had,
// from its creation until the first record, the state that record says it
// had before, and for what no record sets, the state first observed.
func (h *history) applyCreation(createdAt time.Time) {
	createdAt = historyTime(createdAt)
	if createdAt.IsZero() || len(h.versions) == 0 || h.versions[0].Evidence.Creation || createdAt.After(h.versions[0].From) {
		return
	}
	if createdAt.Equal(h.versions[0].From) {
		h.versions[0].Evidence.Creation, h.versions[0].Via = true, ViaEvent
		return
	}
	h.insert(0, version{From: createdAt, State: h.versions[0].State, Via: ViaEvent, Evidence: evidence{Creation: true}})
}

// settle derives each version's state from its evidence, oldest first, and
// drops the versions observed alone that say nothing the others do not (see
// dropRedundant), until none is left: each round drops one at least.
func (h *history) settle() {
	for {
		for i := range h.versions {
			h.versions[i].State = h.stateOf(i)
		}
		if !h.dropRedundant() {
			return
		}
	}
}

// changeWindow is how far apart the times of one change may be: the
// vendor's modification time of the conversation and its change record's
// own time come from two writes, and may be cut to different precisions.
// An observation within this window of a change record is taken to be of
// that change, and what else it saw changed is dated with it.
const changeWindow = time.Second

// dropRedundant drops the first observed version that says nothing new: one
// that changes nothing, or that is of the same change as the vendor's record
// next to it (within changeWindow, or the record's new values explaining it
// whole), which then keeps what it observed. It reports whether it dropped
// one; the states after it must then be derived again.
func (h *history) dropRedundant() bool {
	for i := range h.versions {
		v := h.versions[i]
		if !v.observedOnly() {
			continue
		}
		if i > 0 && v.State.Equal(h.versions[i-1].State) {
			h.versions = slices.Delete(h.versions, i, i+1)
			return true
		}
		if into := h.sameChange(i); into >= 0 {
			state := v.State
			h.versions[into].Evidence.Observed = &state
			h.versions = slices.Delete(h.versions, i, i+1)
			return true
		}
	}
	return false
}

// sameChange returns the index of the change record that observed version i
// saw, or -1: the record just before it within changeWindow, or the one
// just after it whose new values it shows, within changeWindow or
// explaining all it saw.
func (h *history) sameChange(i int) int {
	v := h.versions[i]
	if i > 0 {
		prev := h.versions[i-1]
		if prev.Evidence.Change != nil && v.From.Sub(prev.From) <= changeWindow {
			return i - 1
		}
	}
	if i+1 == len(h.versions) {
		return -1
	}
	next := h.versions[i+1]
	c := next.Evidence.Change
	if c == nil {
		return -1
	}
	before := v.State
	if i > 0 {
		before = h.versions[i-1].State
	}
	explained, shown := before, v.State
	for _, f := range c.Sets {
		explained = explained.With(f, c.After)
		shown = shown.With(f, c.After)
	}
	switch {
	case !shown.Equal(v.State):
		return -1 // it does not show the change
	case explained.Equal(v.State), next.From.Sub(v.From) <= changeWindow:
		return i + 1
	}
	return -1
}

// stateOf derives version i's state, the versions before it derived.
func (h *history) stateOf(i int) record.ConversationState {
	v := h.versions[i]
	if v.Evidence.Observed != nil {
		return *v.Evidence.Observed
	}
	state := v.State
	if i > 0 {
		state = h.versions[i-1].State
	}
	switch {
	case v.Evidence.Change != nil:
		for _, f := range v.Evidence.Change.Sets {
			state = state.With(f, v.Evidence.Change.After)
		}
	case v.Evidence.Creation && i+1 < len(h.versions):
		// What the first change record says the conversation had before it.
		if next := h.versions[i+1].Evidence.Change; next != nil && next.Before != nil {
			for _, f := range next.Sets {
				state = state.With(f, *next.Before)
			}
		}
	}
	state.AssigneeIDs = record.SortedIDs(state.AssigneeIDs)
	return state
}

// historyTime is a vendor time as the history stores it: PostgreSQL keeps
// microseconds, so finer digits are cut here, where the merge compares times,
// instead of rounded by PostgreSQL after.
func historyTime(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

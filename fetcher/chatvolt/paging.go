package chatvolt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
)

// How GET /conversation pages is undocumented. The client asks for a page
// with "limit" (and "cursor" once it has one) and reads the dialect from the
// answer:
//
//   - cursor: an object {"conversations":[…],"nextCursor":…}; the walk
//     follows nextCursor until it is null.
//   - window: a plain JSON array (or an object without nextCursor), which is
//     the newest conversations matching the filters, capped at some unknown
//     number. The walk narrows the creation-date window (createdAt from,
//     endDate to, both inclusive) from the newest down: while an answer is as
//     long as the longest answer seen in the phase, it may have been cut, so
//     the next window ends at the oldest createdAt it showed (the ids already
//     seen at that instant are skipped); an answer shorter than that was not
//     cut, and ends the walk. All this holds only if the cap keeps the
//     newest matches, which the answer's order is the evidence of. A full
//     answer not sorted newest first by createdAt (oldest first, or by
//     updatedAt) may still be whole (the first answer of a small account
//     is as long as the longest seen), which two narrower windows tell:
//     each leaves out some of its conversations, so a whole answer's
//     would show nothing it did not (conversations created since aside).
//     If either does, the answer was cut in an order the walk cannot
//     follow: an error
//     (ErrUnwalkableListing), as walking on would end the phase early and
//     silently skip most of the account. When a whole
//     answer shares one createdAt, narrowing the date cannot progress: the
//     conversations of that millisecond are listed again split by status,
//     then by unread, and the walk goes on a millisecond earlier. A split
//     that still fills a page is an error (ErrUnwalkableListing), never a
//     silent gap.
//
// Timestamps are taken to have millisecond precision (JavaScript's Date), and
// both date filters to be inclusive: Chatvolt documents them only as "from"
// and "to".

// ErrUnwalkableListing is returned when the listing cannot be walked
// completely: a cursor that does not advance, or a plain-array listing whose
// server ignores its filters, caps its answers in an order other than newest
// first, or shows more conversations than one answer holds that share a
// creation millisecond and every available filter.
var ErrUnwalkableListing = fmt.Errorf("chatvolt: the conversation listing cannot be walked completely (%w)", fetcher.ErrBrokenListing)

// Listing dialects, as the walk state records them.
const (
	modeUnknown = ""
	modeCursor  = "cursor"
	modeWindow  = "window"
)

// phase is one listing a pass walks: conversations with a status (any when
// empty) created at or after from (any time when zero).
type phase struct {
	status string
	from   time.Time
}

// phases are the listings a pass walks. A full pass lists everything. An
// incremental pass cannot ask for changes (there is no updatedAt filter), so
// it lists what can have changed: every conversation created since the lower
// bound (less ResolvedLookback, to see recent conversations resolved since
// the last pass), and every conversation not resolved, whatever its age.
func (c *Client) phases(modifiedSince time.Time, thorough bool) []phase {
	// A backfill, and a thorough pass, list everything: without an updatedAt
	// filter that is the only way to see a new message on an old resolved
	// conversation.
	if modifiedSince.IsZero() || thorough {
		return []phase{{}}
	}
	return []phase{
		{from: modifiedSince.Add(-c.resolvedLookback)},
		{status: statusUnresolved},
		{status: statusHumanRequested},
	}
}

// walkState is where a pass stands; NextCursor carries it, base64url JSON,
// opaque to the jobs.
type walkState struct {
	Version int    `json:"v"`
	Phase   int    `json:"p,omitempty"`
	Mode    string `json:"m,omitempty"`
	// Vendor is the server's nextCursor within the phase (cursor mode).
	Vendor string `json:"c,omitempty"`
	// To is the inclusive upper createdAt bound of the next window; zero for
	// none (window mode).
	To time.Time `json:"to,omitzero"`
	// Boundary are the ids already returned that were created at To.
	Boundary []string `json:"b,omitempty"`
	// Cap is the longest answer seen in the phase (window mode).
	Cap int `json:"cap,omitempty"`
	// Tie lists the conversations of one millisecond split by filters.
	Tie *tieState `json:"tie,omitempty"`
	// Check verifies that a full answer not sorted newest first was whole.
	Check *checkState `json:"check,omitempty"`
	// LeftCursor says the phase was paged by cursor until an answer came
	// without one, taken for the first window of a server that stopped
	// paging by cursor; Recursed, that the phase is walked by cursor again
	// since a later answer had one (see listStep).
	LeftCursor bool `json:"lc,omitempty"`
	Recursed   bool `json:"rc,omitempty"`
	// Read are the conversations of this step's answer that an earlier
	// attempt of it read in detail and returned, before the rate limit cut
	// it short: the step is taken again without them, unless they changed
	// since.
	Read []readMark `json:"r,omitempty"`
}

// readMark is a conversation a step read, as the listing showed it then.
type readMark struct {
	ID        string    `json:"i"`
	UpdatedAt time.Time `json:"u,omitzero"`
}

// readAlready reports whether marks say s was read as the listing shows it
// now: one changed since is read again.
func readAlready(marks []readMark, s summary) bool {
	return slices.ContainsFunc(marks, func(m readMark) bool {
		return m.ID == string(s.ID) && m.UpdatedAt.Equal(s.UpdatedAt.Time)
	})
}

// checkState lists the narrower windows that tell whether a full answer not
// sorted newest first was whole: each leaves out some of its conversations.
type checkState struct {
	// Windows are the createdAt windows still to list, first next; zero
	// bounds are open.
	Windows []window `json:"w"`
	// IDs are the conversations it showed.
	IDs []string `json:"ids"`
	// Asked is when the answer was asked for: a conversation created or
	// changed since (updatedAt after it) may show in a narrower window
	// without the answer having been cut.
	Asked time.Time `json:"asked"`
}

// window is a createdAt window, both bounds inclusive, zero for none.
type window struct {
	From time.Time `json:"f,omitzero"`
	To   time.Time `json:"t,omitzero"`
}

// minCap is the shortest answer taken to be possibly cut. A server whose
// answers hold one record is taken not to exist: otherwise the answer of an
// account of one conversation, as long as the longest seen, could never be
// told whole.
const minCap = 2

// mayBeCut is the one rule, for conversations and messages alike, of an
// answer whose server caps answers without saying so: an answer of n records
// may have been cut when it holds as many as asked for, or as the longest
// answer seen (longest, which n is part of), at least minCap.
func mayBeCut(n, asked, longest int) bool {
	return n > 0 && (n >= asked || n >= max(longest, minCap))
}

const walkVersion = 1

// tieState walks the conversations created at one instant.
type tieState struct {
	At time.Time `json:"at"`
	// Pending are the filter splits still to list, first next.
	Pending []split `json:"pending"`
	// Seen are the ids already returned that were created at At.
	Seen []string `json:"seen,omitempty"`
}

// split narrows a listing of one instant beyond the date.
type split struct {
	Status string `json:"s"`
	Unread *bool  `json:"u,omitempty"`
}

func decodeCursor(s string) (walkState, error) {
	st := walkState{Version: walkVersion}
	if s == "" {
		return st, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, &st)
	}
	if err != nil || st.Version != walkVersion || st.Phase < 0 {
		return st, fmt.Errorf("chatvolt: invalid conversation cursor (%d bytes)", len(s))
	}
	return st, nil
}

func (st *walkState) encode() string {
	raw, _ := json.Marshal(st) // cannot fail: plain struct
	return base64.RawURLEncoding.EncodeToString(raw)
}

// nextPhase moves to the start of the next phase. The dialect carries over;
// the cap is learned again, in case the server caps filtered listings
// differently (it costs at most one request per phase).
func (st *walkState) nextPhase() {
	*st = walkState{Version: st.Version, Phase: st.Phase + 1, Mode: st.Mode}
}

// restartPhase moves to the start of the current phase in mode.
func (st *walkState) restartPhase(mode string) {
	*st = walkState{Version: st.Version, Phase: st.Phase, Mode: mode}
}

// listed is one element of a list answer.
type listed struct {
	raw json.RawMessage
	s   summary
	err error // the element could not be decoded
}

// listStep makes one list request for the state's position in ph and moves
// the state past it (to the next phase when this one is over). It returns the
// conversations the request showed that the pass had not returned yet.
func (c *Client) listStep(ctx context.Context, ph phase, st *walkState) ([]listed, error) {
	query, status, from, to := c.listQuery(ph, st)
	asked := time.Now()
	var resp listResponse
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "conversation.list", Path: "/conversation", Query: query}, &resp); err != nil {
		return nil, err
	}
	items := decodeListed(resp.Items)

	if resp.HasCursor {
		if st.Mode == modeWindow && st.LeftCursor {
			// It pages by cursor after all. Either the answer without one
			// was the walk's last page, whose envelope left the key out (a
			// JavaScript server drops an undefined value), or it came from
			// a server that did not page by cursor (a replica of an older
			// version, in a rolling deploy). Which one cannot be told: the
			// phase is walked again by cursor, once; in that walk an answer
			// without a cursor ends it. What this answer showed is real.
			st.restartPhase(modeCursor)
			st.Recursed = true
			return items, nil
		}
		if st.Mode == modeWindow && (!st.To.IsZero() || st.Tie != nil || st.Check != nil) {
			// The server started paging by cursor in the middle of a window
			// walk: walk the phase again in its dialect. What this answer
			// showed is real, so it is returned all the same.
			st.restartPhase(modeCursor)
			return items, nil
		}
		st.Mode = modeCursor
		switch {
		case resp.NextCursor == "":
			st.nextPhase()
			return items, nil
		case resp.NextCursor == st.Vendor:
			return nil, fmt.Errorf("%w: it returned the cursor it was given (%q) and does not advance", ErrUnwalkableListing, st.Vendor)
		}
		st.Vendor = resp.NextCursor
		return items, nil
	}
	if st.Mode == modeCursor && st.Vendor != "" {
		if st.Recursed {
			// The walk's last page, without its key: see above.
			st.nextPhase()
			return items, nil
		}
		// A cursor server that stopped answering with cursors: this request
		// had no date bound, so its answer is the phase's first window.
		st.Vendor, st.LeftCursor = "", true
	}
	st.Mode = modeWindow
	if err := checkWindow(items, status, from, to); err != nil {
		return nil, err
	}
	if st.Check != nil {
		return st.checkStep(ph, items)
	}
	return st.windowStep(ph, items, asked, c.pageSize)
}

// listQuery is the list request for the state's position in ph, and the
// status and created-at window it asks for.
func (c *Client) listQuery(ph phase, st *walkState) (query url.Values, status string, from, to time.Time) {
	query = url.Values{"limit": {strconv.Itoa(c.pageSize)}}
	status, from, to = ph.status, ph.from, st.To
	var unread *bool
	switch {
	case st.Mode == modeCursor:
		to = time.Time{}
		if st.Vendor != "" {
			query.Set("cursor", st.Vendor)
		}
	case st.Check != nil:
		from, to = st.Check.Windows[0].From, st.Check.Windows[0].To
	case st.Tie != nil:
		from, to = st.Tie.At, st.Tie.At
		status, unread = st.Tie.Pending[0].Status, st.Tie.Pending[0].Unread
	}
	if status != "" {
		query.Set("status", status)
	}
	if !from.IsZero() {
		query.Set("createdAt", formatTime(from))
	}
	if !to.IsZero() {
		query.Set("endDate", formatTime(to))
	}
	if unread != nil {
		query.Set("unread", strconv.FormatBool(*unread))
	}
	return query, status, from, to
}

// decodeListed decodes a list answer's elements; one that cannot be decoded
// or has no id keeps its error, for its conversation to be quarantined.
func decodeListed(raws []json.RawMessage) []listed {
	items := make([]listed, len(raws))
	for i, raw := range raws {
		items[i].raw = raw
		if err := json.Unmarshal(raw, &items[i].s); err != nil {
			items[i].err = fmt.Errorf("decode conversation: %w", err)
		} else if items[i].s.ID == "" {
			items[i].err = errors.New("conversation has no id")
		}
	}
	return items
}

// checkWindow makes sure the server applied the filters, without which the
// window walk would not end or would miss conversations.
func checkWindow(items []listed, status string, from, to time.Time) error {
	for _, it := range items {
		if it.err != nil {
			continue
		}
		created := it.s.CreatedAt.Time
		switch {
		case !created.IsZero() && !from.IsZero() && created.Before(from),
			!created.IsZero() && !to.IsZero() && created.After(to):
			return fmt.Errorf("%w: conversation %s created at %s is outside the requested window %s to %s (the server ignores createdAt/endDate)",
				ErrUnwalkableListing, it.s.ID, formatTime(created), formatTime(from), formatTime(to))
		case status != "" && it.s.Status != "" && !strings.EqualFold(string(it.s.Status), status):
			return fmt.Errorf("%w: conversation %s has status %s in a listing of status %s (the server ignores the status filter)",
				ErrUnwalkableListing, it.s.ID, it.s.Status, status)
		}
	}
	return nil
}

// windowStep moves the window walk past one answer to a request for limit
// conversations (see the comment at the top of this file) and returns what
// it showed for the first time. An answer is full, and may have been cut,
// when it holds as many as asked for or as the longest seen.
func (st *walkState) windowStep(ph phase, items []listed, asked time.Time, limit int) ([]listed, error) {
	n := len(items)
	st.Cap = max(st.Cap, n)
	full := mayBeCut(n, limit, st.Cap)
	if st.Tie != nil {
		return st.tieStep(ph, items, full)
	}

	fresh := unseen(items, st.Boundary)
	if full && !newestFirst(items) {
		st.Check = newCheck(ph, st.To, items, asked)
		return fresh, nil
	}
	if !full {
		st.nextPhase()
		return fresh, nil
	}
	oldest, newest := createdRange(items)
	if oldest.IsZero() {
		return nil, fmt.Errorf("%w: a full answer has no createdAt to narrow the window by", ErrUnwalkableListing)
	}
	atOldest := make([]string, 0, n)
	for _, it := range items {
		if it.err == nil && it.s.CreatedAt.Equal(oldest) {
			atOldest = append(atOldest, string(it.s.ID))
		}
	}
	if oldest.Equal(newest) {
		// The whole answer is one millisecond: list it split by filters.
		st.Tie = &tieState{At: oldest, Pending: tieSplits(ph.status), Seen: slices.Concat(st.Boundary, atOldest)}
		st.Boundary = nil
		return fresh, nil
	}
	st.To, st.Boundary = oldest, atOldest
	return fresh, nil
}

// newestFirst tells whether an answer is sorted newest first by createdAt,
// the order in which a cut answer keeps the newest matches and the walk can
// go on below its oldest. Undecodable items and items without a createdAt are
// passed over: there is nothing to compare them by.
func newestFirst(items []listed) bool {
	var prev time.Time
	for _, it := range items {
		cur := it.s.CreatedAt.Time
		if it.err != nil || cur.IsZero() {
			continue
		}
		if !prev.IsZero() && cur.After(prev) {
			return false
		}
		prev = cur
	}
	return true
}

// createdRange returns the oldest and the newest createdAt of an answer's
// items that have one (zero when none has).
func createdRange(items []listed) (oldest, newest time.Time) {
	for _, it := range items {
		created := it.s.CreatedAt.Time
		if it.err != nil || created.IsZero() {
			continue
		}
		if oldest.IsZero() || created.Before(oldest) {
			oldest = created
		}
		if created.After(newest) {
			newest = created
		}
	}
	return oldest, newest
}

// newCheck is the check of a full answer, not sorted newest first, to the
// window from ph's lower bound to to (both inclusive): the same window
// without its newest millisecond, and without its oldest.
func newCheck(ph phase, to time.Time, items []listed, asked time.Time) *checkState {
	oldest, newest := createdRange(items)
	return &checkState{
		Windows: []window{{From: ph.from, To: newest.Add(-time.Millisecond)}, {From: oldest.Add(time.Millisecond), To: to}},
		IDs:     appendIDs(nil, items),
		Asked:   asked,
	}
}

// checkStep judges one narrower window's answer. A whole answer held every
// conversation of its window, so the narrower one shows none it did not
// show (a cut one's shows one at least: the window leaves some of the
// answer out, and checkWindow holds the server to it), but for
// conversations that joined the listing since it was asked for: created since, or, in a listing of one status, changed since
// (moved into the status). Those are returned (so are undecodable ones, to
// be quarantined), not taken for evidence. When both windows pass, the
// window is done and so is the phase (the walk goes from the newest down,
// and this window reached its lower bound).
func (st *walkState) checkStep(ph phase, items []listed) ([]listed, error) {
	c := st.Check
	var fresh []listed
	cut := false
	for _, it := range items {
		joined := it.s.CreatedAt.Time
		if ph.status != "" {
			joined = it.s.UpdatedAt.Time
		}
		switch {
		case it.err != nil:
			fresh = append(fresh, it)
		case slices.Contains(c.IDs, string(it.s.ID)):
		case joined.After(c.Asked):
			fresh = append(fresh, it)
		default:
			cut = true
		}
	}
	if cut {
		return nil, fmt.Errorf("%w: an answer of %d conversations, not newest first by createdAt, was cut (a narrower window showed %d, not all of them among its own), "+
			"so its capped answers cannot be walked by date windows without missing conversations (ask Chatvolt for cursor paging or a larger page)",
			ErrUnwalkableListing, len(c.IDs), len(items))
	}
	c.Windows = c.Windows[1:]
	if len(c.Windows) == 0 {
		st.nextPhase()
	}
	return fresh, nil
}

// tieStep moves the listing of one millisecond's conversations, split by
// filters, past one answer: a full answer splits its filter further, or,
// split as far as filters go, fails the walk.
func (st *walkState) tieStep(ph phase, items []listed, full bool) ([]listed, error) {
	t := st.Tie
	fresh := unseen(items, t.Seen)
	t.Seen = appendIDs(t.Seen, fresh)
	s := t.Pending[0]
	switch {
	case !full:
		t.Pending = t.Pending[1:]
	case s.Unread == nil:
		yes, no := true, false
		t.Pending = append([]split{{Status: s.Status, Unread: &yes}, {Status: s.Status, Unread: &no}}, t.Pending[1:]...)
	default:
		return nil, fmt.Errorf("%w: at least %d conversations were created at %s with status %s and unread=%t, as many as one answer holds; "+
			"they cannot be told apart by any filter, so some may be missing (ask Chatvolt for cursor paging or a larger page)",
			ErrUnwalkableListing, len(items), formatTime(t.At), s.Status, *s.Unread)
	}
	if len(t.Pending) > 0 {
		return fresh, nil
	}
	st.Tie, st.To, st.Boundary = nil, t.At.Add(-time.Millisecond), nil
	if !ph.from.IsZero() && st.To.Before(ph.from) {
		st.nextPhase()
	}
	return fresh, nil
}

// tieSplits are the first filters that split one millisecond's
// conversations: by status (Chatvolt's three), or, when the phase already
// filters by status, by unread.
func tieSplits(status string) []split {
	if status != "" {
		yes, no := true, false
		return []split{{Status: status, Unread: &yes}, {Status: status, Unread: &no}}
	}
	return []split{{Status: statusResolved}, {Status: statusUnresolved}, {Status: statusHumanRequested}}
}

// unseen returns the items whose id is not in seen (undecodable ones are
// always returned, to be quarantined).
func unseen(items []listed, seen []string) []listed {
	if len(seen) == 0 {
		return items
	}
	out := make([]listed, 0, len(items))
	for _, it := range items {
		if it.err != nil || !slices.Contains(seen, string(it.s.ID)) {
			out = append(out, it)
		}
	}
	return out
}

func appendIDs(ids []string, items []listed) []string {
	for _, it := range items {
		if it.err == nil {
			ids = append(ids, string(it.s.ID))
		}
	}
	return ids
}

// formatTime writes a filter bound as JavaScript's Date.toISOString does.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

package devrevtest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

type timelineEntriesListResponse struct {
	TimelineEntries []any  `json:"timeline_entries"`
	NextCursor      string `json:"next_cursor,omitempty"`
	PrevCursor      string `json:"prev_cursor,omitempty"`
}

// entrySeq is a timeline newest first (by created_date, then id), filtered:
// a conversation's own (thread 0) or the replies in one comment's thread.
// Entries are stored oldest first, so position i reads from the end, and the
// key is negated to ascend with i.
type entrySeq struct {
	entries []*entry
	thread  int
	f       *compiledFilter
}

func (s entrySeq) Len() int        { return len(s.entries) }
func (s entrySeq) at(i int) *entry { return s.entries[len(s.entries)-1-i] }
func (s entrySeq) Match(i int) bool {
	e := s.at(i)
	return e.replyTo == s.thread && s.f.matchEntry(e)
}
func (s entrySeq) Key(i int) seqKey {
	e := s.at(i)
	return seqKey{A: -e.created.UnixMicro(), B: -int64(e.num)}
}

func (s *Server) listTimelineEntries(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	object := p.str("object")
	if object == "" {
		badRequest(w, errors.New("object is required"))
		return
	}
	// The object is a conversation, or a comment: its thread's replies.
	num, ok := parseConversationRef(object)
	scope, what, thread := "conversation/"+strconv.Itoa(num), "conversation", 0
	if !ok {
		var seg string
		num, seg, thread, ok = parseEntryRef(object)
		if !ok || seg != kindComment.idSegment() {
			badRequest(w, fmt.Errorf("object %q is neither a conversation id nor a comment id", object))
			return
		}
		scope, what = "comment/"+strconv.Itoa(thread), "comment"
	}
	limit, err := p.limit(s.opts.DefaultLimit, s.opts.MaxLimit)
	if err == nil {
		_, err = p.mode()
	}
	f := listFilter{Visibility: p.sortedList("visibility")}
	for _, v := range f.Visibility {
		if !validVisibility(v) {
			err = fmt.Errorf("unknown visibility %q", v)
		}
	}
	// The cursor names the conversation, so it cannot continue another one.
	var cur cursor
	if err == nil {
		cur, err = startCursor(p, scope, f)
	}
	if err != nil {
		badRequest(w, err)
		return
	}
	cf := cur.Filter.compile()

	s.ws.mu.RLock()
	c := s.ws.convs[num]
	if c != nil && thread != 0 && !c.hasComment(thread) {
		c = nil
	}
	var (
		pg    page
		empty bool
		resp  = timelineEntriesListResponse{TimelineEntries: []any{}}
	)
	if c != nil {
		sq := entrySeq{entries: c.entries, thread: thread, f: &cf}
		pg = paginate(sq, cur.bound(), limit)
		empty = s.emptyPage(pg, cur)
		if !empty {
			for _, i := range pg.idx {
				resp.TimelineEntries = append(resp.TimelineEntries, sq.at(i).wire(c))
			}
		}
	}
	s.ws.mu.RUnlock()
	if c == nil {
		notFound(w, what, object)
		return
	}

	resp.NextCursor, resp.PrevCursor = pageCursors(cur, pg, empty)
	writeJSON(w, http.StatusOK, resp)
}

func validVisibility(v string) bool {
	switch v {
	case "external", "internal", "private", "public":
		return true
	}
	return false
}

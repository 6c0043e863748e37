package chatwoottest

import (
	"net/http"
	"sort"
)

// Page sizes of Chatwoot's MessageFinder.
const (
	messagesLatest  = 20   // no cursor, and before=
	messagesAfter   = 100  // after=
	messagesBetween = 1000 // after= and before= together
)

// listMessages is MessageFinder: every message (private notes, activity and
// deleted ones included), ascending by id. No parameters: the latest 20.
// before=<id>: the 20 immediately older. after=<id>: up to 100 newer. Both:
// from after (inclusive) to before (exclusive), up to 1000. A parameter that
// is not a number counts as 0, as Ruby's to_i makes it.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	q := r.URL.Query()
	hasAfter, hasBefore := present(q, "after"), present(q, "before")
	after, before := rubyInt(q.Get("after")), rubyInt(q.Get("before"))

	ws := s.ws
	ws.mu.RLock()
	c := ws.convBy[rubyInt(r.PathValue("conversation_id"))]
	if c == nil {
		ws.mu.RUnlock()
		notFound(w)
		return
	}
	ms := c.messages
	// firstAbove is the index of the first message with an id above id.
	firstAbove := func(id int) int { return sort.Search(len(ms), func(i int) bool { return ms[i].id > id }) }
	var lo, hi int
	switch {
	case hasAfter && hasBefore:
		lo, hi = firstAbove(after-1), firstAbove(before-1)
		hi = max(lo, min(hi, lo+messagesBetween))
	case hasBefore:
		hi = firstAbove(before - 1)
		lo = max(0, hi-messagesLatest)
	case hasAfter:
		lo = firstAbove(after)
		hi = min(len(ms), lo+messagesAfter)
	default:
		lo, hi = max(0, len(ms)-messagesLatest), len(ms)
	}
	resp := wireMessagesResponse{
		Meta: wireMessagesMeta{
			Labels:               append([]string{}, c.labels...),
			AdditionalAttributes: c.additional,
			Contact:              c.contact.wire(""),
			AgentLastSeenAt:      isoPtr(c.agentSeen),
		},
		Payload: make([]wireMessage, 0, hi-lo),
	}
	if c.assignee != nil {
		a := ws.wireAgent(c.assignee)
		resp.Meta.Assignee = &a
		resp.Meta.AssigneeLastSeenAt = isoPtr(c.agentSeen)
	}
	for _, m := range ms[lo:hi] {
		resp.Payload = append(resp.Payload, ws.wireMessage(m))
	}
	ws.mu.RUnlock()
	writeJSON(w, http.StatusOK, resp)
}

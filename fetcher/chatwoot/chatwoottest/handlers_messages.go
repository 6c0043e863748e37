package chatwoottest

import (
	"cmp"
	"net/http"
	"slices"
)

// Page sizes of Chatwoot's MessageFinder.
const (
	messagesLatest  = 20   // no cursor, and before=
	messagesAfter   = 100  // after=
	messagesBetween = 1000 // after= and before= together
)

// listMessages is MessageFinder: every message (private notes, activity and
// deleted ones included) filtered by id and ordered by creation (then id),
// which need not agree. No parameters: the latest 20. before=<id>: the 20
// latest of those below it. after=<id>: the 100 earliest above it. Both:
// from after (inclusive) to before (exclusive), the 1000 earliest. A
// parameter that is not a number counts as 0, as Ruby's to_i makes it.
// Options.MessagesIgnoreAfter serves the finder of before after= existed,
// which knew only before=.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	q := r.URL.Query()
	hasAfter, hasBefore := present(q, "after") && !s.opts.MessagesIgnoreAfter, present(q, "before")
	after, before := rubyInt(q.Get("after")), rubyInt(q.Get("before"))

	ws := s.ws
	ws.mu.RLock()
	c := ws.convBy[rubyInt(r.PathValue("conversation_id"))]
	if c == nil {
		ws.mu.RUnlock()
		notFound(w)
		return
	}
	var shown []*message
	switch {
	case hasAfter && hasBefore:
		shown = earliest(kept(c.messages, func(m *message) bool { return m.id >= after && m.id < before }), messagesBetween)
	case hasBefore:
		shown = latest(kept(c.messages, func(m *message) bool { return m.id < before }), messagesLatest)
	case hasAfter:
		shown = earliest(kept(c.messages, func(m *message) bool { return m.id > after }), messagesAfter)
	default:
		shown = latest(kept(c.messages, func(*message) bool { return true }), messagesLatest)
	}
	resp := wireMessagesResponse{
		Meta: wireMessagesMeta{
			Labels:               append([]string{}, c.labels...),
			AdditionalAttributes: c.additional,
			Contact:              c.contact.wire(""),
			AgentLastSeenAt:      isoPtr(c.agentSeen),
		},
		Payload: make([]wireMessage, 0, len(shown)),
	}
	if c.assignee != nil {
		a := ws.wireAgent(c.assignee)
		resp.Meta.Assignee = &a
		resp.Meta.AssigneeLastSeenAt = isoPtr(c.agentSeen)
	}
	for _, m := range shown {
		resp.Payload = append(resp.Payload, ws.wireMessage(m))
	}
	ws.mu.RUnlock()
	writeJSON(w, http.StatusOK, resp)
}

// byCreation orders messages as MessageFinder does: by created_at, then id.
func byCreation(a, b *message) int {
	return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.id, b.id))
}

// kept is the messages keep takes, by creation.
func kept(ms []*message, keep func(*message) bool) []*message {
	var out []*message
	for _, m := range ms {
		if keep(m) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, byCreation)
	return out
}

// earliest is the first n of ms.
func earliest(ms []*message, n int) []*message { return ms[:min(n, len(ms))] }

// latest is the last n of ms.
func latest(ms []*message, n int) []*message { return ms[max(0, len(ms)-n):] }

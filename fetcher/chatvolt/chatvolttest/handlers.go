package chatvolttest

import (
	"fmt"
	"net/http"
	"strconv"
)

type listResponse struct {
	Conversations []wireSummary `json:"conversations"`
	NextCursor    *string       `json:"nextCursor"`
}

// listConversations serves GET /conversation in the server's paging dialect.
// Filters: agentId, channel, status, priority, assigneeId (any assignee),
// unread (true: some message is unread; false: none is), createdAt and
// endDate (createdAt bounds, both inclusive). In cursor mode nextCursor is
// null exactly when no match is left, so no trailing empty page is served.
func (s *Server) listConversations(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	f, err := parseFilter(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	if s.opts.Paging == PagingPlainArray {
		s.ws.mu.RLock()
		convs, _ := s.ws.matches(0, &f, s.opts.MaxListItems)
		out := make([]wireSummary, 0, len(convs))
		for _, c := range convs {
			out = append(out, s.ws.summary(c))
		}
		s.ws.mu.RUnlock()
		writeJSON(w, http.StatusOK, out)
		return
	}

	limit, err := parseLimit(q.Get("limit"))
	var (
		after    listKey
		hasAfter bool
	)
	if cur := q.Get("cursor"); err == nil && cur != "" {
		after, err = parseCursor(cur, &f)
		hasAfter = true
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	resp := listResponse{Conversations: []wireSummary{}}
	s.ws.mu.RLock()
	start := 0
	if hasAfter {
		start = s.ws.indexAfter(after)
	}
	convs, more := s.ws.matches(start, &f, limit)
	for _, c := range convs {
		resp.Conversations = append(resp.Conversations, s.ws.summary(c))
	}
	if more {
		next := newCursor(convs[len(convs)-1], &f)
		resp.NextCursor = &next
	}
	s.ws.mu.RUnlock()
	writeJSON(w, http.StatusOK, resp)
}

// getConversation serves GET /conversation/{id}.
func (s *Server) getConversation(w http.ResponseWriter, _ *http.Request, args []string) {
	s.ws.mu.RLock()
	c := s.ws.convs[args[0]]
	var resp wireConversation
	if c != nil {
		resp = s.ws.detailed(c)
	}
	s.ws.mu.RUnlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// conversationMessages serves GET /conversation/{id}/messages/{count}: the
// latest count messages, oldest first; there is no cursor, so older messages
// are out of reach beyond MaxMessages.
func (s *Server) conversationMessages(w http.ResponseWriter, _ *http.Request, args []string) {
	count, err := strconv.Atoi(args[1])
	if err != nil || count < 1 || count > MaxMessages {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("count must be an integer from 1 to %d, got %q", MaxMessages, args[1]))
		return
	}
	s.ws.mu.RLock()
	c := s.ws.convs[args[0]]
	var out []wireMessage
	if c != nil {
		window := c.messages[max(0, len(c.messages)-count):]
		out = make([]wireMessage, 0, len(window))
		for _, m := range window {
			out = append(out, m.wire())
		}
	}
	s.ws.mu.RUnlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// getMessage serves GET /messages/{id}.
func (s *Server) getMessage(w http.ResponseWriter, _ *http.Request, args []string) {
	s.ws.mu.RLock()
	m := s.ws.messages[args[0]]
	var resp wireMessage
	if m != nil {
		resp = m.wire()
	}
	s.ws.mu.RUnlock()
	if m == nil {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

package chatvolttest

import (
	"fmt"
	"net/http"
	"slices"
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
		convs := s.plainArray(&f)
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

// plainArray is a PagingPlainArray answer: the first matches of f in
// Options.ListOrder, capped. Callers hold the workspace's read lock.
func (s *Server) plainArray(f *listFilter) []*conversation {
	if s.opts.ListOrder == OrderNewestFirst {
		// The list order already is the answer's: stop at the cap.
		convs, _ := s.ws.matches(0, f, s.opts.MaxListItems)
		return convs
	}
	// Other orders need every match before the cap can pick.
	convs, _ := s.ws.matches(0, f, len(s.ws.order))
	switch s.opts.ListOrder {
	case OrderOldestFirst:
		slices.Reverse(convs)
	case OrderRecentlyUpdated:
		// Stable, so equal updatedAt keep the list order.
		slices.SortStableFunc(convs, func(a, b *conversation) int { return b.updated.Compare(a.updated) })
	}
	return convs[:min(len(convs), s.opts.MaxListItems)]
}

// getConversation serves GET /conversation/{id}.
func (s *Server) getConversation(w http.ResponseWriter, _ *http.Request, args []string) {
	s.writeFound(w, func() (any, bool) {
		c := s.ws.convs[args[0]]
		if c == nil {
			return nil, false
		}
		return s.ws.detailed(c), true
	})
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
	s.writeFound(w, func() (any, bool) {
		c := s.ws.convs[args[0]]
		if c == nil {
			return nil, false
		}
		window := c.messages[max(0, len(c.messages)-count):]
		out := make([]wireMessage, 0, len(window))
		for _, m := range window {
			out = append(out, m.wire())
		}
		return out, true
	})
}

// getMessage serves GET /messages/{id}.
func (s *Server) getMessage(w http.ResponseWriter, _ *http.Request, args []string) {
	s.writeFound(w, func() (any, bool) {
		m := s.ws.messages[args[0]]
		if m == nil {
			return nil, false
		}
		return m.wire(), true
	})
}

// writeFound answers with what render finds and renders under the
// workspace's read lock, or 404 when it finds nothing.
func (s *Server) writeFound(w http.ResponseWriter, render func() (any, bool)) {
	s.ws.mu.RLock()
	v, found := render()
	s.ws.mu.RUnlock()
	if !found {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// parseLimit reads "limit": absent means DefaultLimit; outside 1..MaxLimit is
// a 400, as the API rejects oversized pages rather than clamping them.
func parseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, fmt.Errorf("limit must be an integer from 1 to %d, got %q", MaxLimit, s)
	}
	return n, nil
}

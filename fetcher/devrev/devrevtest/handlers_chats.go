package devrevtest

import (
	"errors"
	"net/http"
)

type chatResponse struct {
	Chat wireChat `json:"chat"`
}

// getChat serves chats.get. There is no chats.list in the real API: clients
// discover chat IDs from conversation.channels.
func (s *Server) getChat(w http.ResponseWriter, r *http.Request) {
	id, ok := requiredID(w, r)
	if !ok {
		return
	}
	var resp chatResponse
	s.ws.mu.RLock()
	code, _ := parseChatRef(id)
	ch := s.ws.chats[code]
	if ch != nil {
		resp.Chat = ch.wire()
	}
	s.ws.mu.RUnlock()
	if ch == nil {
		notFound(w, "chat", id)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

type slaTrackerResponse struct {
	SLATracker *wireTracker `json:"sla_tracker"`
}

func (s *Server) getSLATracker(w http.ResponseWriter, r *http.Request) {
	id, ok := requiredID(w, r)
	if !ok {
		return
	}
	var resp slaTrackerResponse
	s.ws.mu.RLock()
	n, _ := parseTrackerRef(id)
	t := s.ws.trackers[n]
	if t != nil {
		resp.SLATracker = t.wire()
	}
	s.ws.mu.RUnlock()
	if t == nil {
		notFound(w, "sla tracker", id)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// requiredID reads the "id" parameter of a get endpoint, answering 400 itself
// when it is missing.
func requiredID(w http.ResponseWriter, r *http.Request) (string, bool) {
	p, err := readParams(r)
	if err == nil && p.str("id") == "" {
		err = errors.New("id is required")
	}
	if err != nil {
		badRequest(w, err)
		return "", false
	}
	return p.str("id"), true
}

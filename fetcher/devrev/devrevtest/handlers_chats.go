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
	getObject(s, w, r, "chat", s.ws.chatByRef, func(ch *chat) any { return chatResponse{Chat: ch.wire()} })
}

type slaTrackerResponse struct {
	SLATracker *wireTracker `json:"sla_tracker"`
}

func (s *Server) getSLATracker(w http.ResponseWriter, r *http.Request) {
	getObject(s, w, r, "sla tracker", s.ws.trackerByRef, func(t *slaTracker) any {
		return slaTrackerResponse{SLATracker: t.wire()}
	})
}

// getObject serves a get endpoint: it reads the id, finds the object and
// renders its answer under the workspace's read lock, and answers 404 naming
// what when there is no such object.
func getObject[T any](s *Server, w http.ResponseWriter, r *http.Request, what string, find func(ref string) *T, render func(*T) any) {
	id, ok := requiredID(w, r)
	if !ok {
		return
	}
	var resp any
	s.ws.mu.RLock()
	if obj := find(id); obj != nil {
		resp = render(obj)
	}
	s.ws.mu.RUnlock()
	if resp == nil {
		notFound(w, what, id)
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

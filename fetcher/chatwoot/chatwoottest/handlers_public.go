package chatwoottest

import "net/http"

// publicContact resolves the public API's path identifiers to the contact
// they name, or nil. The caller holds the workspace read lock. Only the pair Options names is served, and only
// while it names an API-channel contact of the workspace.
func (s *Server) publicContact(r *http.Request) *contact {
	in, ci := r.PathValue("inbox_identifier"), r.PathValue("contact_identifier")
	if s.opts.InboxIdentifier == "" || in != s.opts.InboxIdentifier || ci != s.opts.ContactIdentifier {
		return nil
	}
	api := s.ws.inboxes[inboxAPI-1]
	if in != api.identifier {
		return nil
	}
	for _, ct := range s.ws.contacts {
		if ct.inbox == api && ct.sourceID == ci {
			return ct
		}
	}
	return nil
}

// publicConversations lists the contact's conversations in the API inbox,
// each with its messages minus private notes and activity messages.
func (s *Server) publicConversations(w http.ResponseWriter, r *http.Request) {
	s.servePublic(w, r, func(ct *contact) (any, bool) {
		out := []wirePublicConversation{}
		for _, c := range s.ws.convs {
			if c.contact == ct && c.inbox == ct.inbox {
				out = append(out, s.ws.wirePublicConversation(c))
			}
		}
		return out, true
	})
}

// publicMessages lists a conversation's messages as the contact sees them,
// without private notes and activity messages, as Chatwoot's public
// MessagesController hands MessageFinder only before=: the latest 20 by
// creation, or with before=<id> the latest 20 of those below it, ascending.
func (s *Server) publicMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	hasBefore, before := present(q, "before"), rubyInt(q.Get("before"))
	s.servePublic(w, r, func(ct *contact) (any, bool) {
		c := s.ws.convBy[rubyInt(r.PathValue("conversation_id"))]
		if c == nil || c.contact != ct || c.inbox != ct.inbox {
			return nil, false
		}
		shown := latest(kept(c.messages, func(m *message) bool { return m.public() && (!hasBefore || m.id < before) }), messagesLatest)
		out := []wirePublicMessage{}
		for _, m := range shown {
			out = append(out, s.ws.wirePublicMessage(m))
		}
		return out, true
	})
}

// servePublic answers a public API request. render runs under the
// workspace's read lock with the contact the path names, and returns the
// answer or false for a 404, which is also the answer when the path names no
// contact.
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request, render func(ct *contact) (any, bool)) {
	var (
		out   any
		found bool
	)
	s.ws.mu.RLock()
	if ct := s.publicContact(r); ct != nil {
		out, found = render(ct)
	}
	s.ws.mu.RUnlock()
	if !found {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

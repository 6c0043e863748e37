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
	ws := s.ws
	ws.mu.RLock()
	ct := s.publicContact(r)
	var out []wirePublicConversation
	if ct != nil {
		out = []wirePublicConversation{}
		for _, c := range ws.convs {
			if c.contact == ct && c.inbox == ct.inbox {
				out = append(out, ws.wirePublicConversation(c))
			}
		}
	}
	ws.mu.RUnlock()
	if ct == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// publicMessages lists a conversation's messages as the contact sees them:
// ascending, without private notes and activity messages, unpaginated.
func (s *Server) publicMessages(w http.ResponseWriter, r *http.Request) {
	ws := s.ws
	ws.mu.RLock()
	ct := s.publicContact(r)
	var c *conversation
	if ct != nil {
		if c = ws.convBy[rubyInt(r.PathValue("conversation_id"))]; c != nil && (c.contact != ct || c.inbox != ct.inbox) {
			c = nil
		}
	}
	var out []wirePublicMessage
	if c != nil {
		out = []wirePublicMessage{}
		for _, m := range c.messages {
			if m.public() {
				out = append(out, ws.wirePublicMessage(m))
			}
		}
	}
	ws.mu.RUnlock()
	if c == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

package devrevtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

type conversationsListResponse struct {
	Conversations []wireConversation `json:"conversations"`
	NextCursor    string             `json:"next_cursor,omitempty"`
	PrevCursor    string             `json:"prev_cursor,omitempty"`
}

// convSeq is the conversations in list order, filtered.
type convSeq struct {
	items []orderItem
	f     *compiledFilter
}

func (s convSeq) Len() int               { return len(s.items) }
func (s convSeq) Key(i int) seqKey       { return s.items[i].key }
func (s convSeq) Match(i int) bool       { return s.f.matchConversation(s.items[i].c) }
func (s convSeq) at(i int) *conversation { return s.items[i].c }

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	var f listFilter
	limit, err := p.limit(s.opts.DefaultLimit, s.opts.MaxLimit)
	if err == nil {
		_, err = p.mode()
	}
	if err == nil {
		f.After, err = p.timestamp("modified_date.after")
	}
	if err == nil {
		f.Before, err = p.timestamp("modified_date.before")
	}
	f.Stages = p.sortedList("stage.name")
	var cur cursor
	if err == nil {
		cur, err = startCursor(p, "conversations", f)
	}
	if err != nil {
		badRequest(w, err)
		return
	}
	cf := cur.Filter.compile()

	s.ws.mu.RLock()
	sq := convSeq{items: s.order.items, f: &cf}
	pg := paginate(sq, cur.bound(), limit)
	empty := s.emptyPage(pg, cur)
	resp := conversationsListResponse{Conversations: []wireConversation{}}
	if !empty {
		resp.Conversations = make([]wireConversation, 0, len(pg.idx))
		for _, i := range pg.idx {
			resp.Conversations = append(resp.Conversations, sq.at(i).wire())
		}
	}
	s.ws.mu.RUnlock()

	resp.NextCursor, resp.PrevCursor = pageCursors(cur, pg, empty)
	writeJSON(w, http.StatusOK, resp)
}

type conversationResponse struct {
	Conversation wireConversation `json:"conversation"`
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	getObject(s, w, r, "conversation", s.ws.conversationByRef, func(c *conversation) any {
		return conversationResponse{Conversation: c.wire()}
	})
}

// createConversationRequest is conversations-create-request; fields we do not
// model (brand, custom_fields, …) are accepted and ignored.
type createConversationRequest struct {
	Type          string   `json:"type"`
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	Members       []string `json:"members"`
	OwnedBy       []string `json:"owned_by"`
	SourceChannel string   `json:"source_channel"`
	Messages      []struct {
		Body string `json:"body"`
	} `json:"messages"`
	Stage *struct {
		Name string `json:"name"`
	} `json:"stage"`
	Tags []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	} `json:"tags"`
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) {
	var req createConversationRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Type != "support" {
		badRequest(w, fmt.Errorf(`type must be "support", got %q`, req.Type))
		return
	}

	var (
		resp conversationResponse
		err  error
	)
	s.ws.mutate(func() []change {
		var spec convSpec
		if spec, err = s.ws.specFromRequest(req); err != nil {
			return nil
		}
		c := s.ws.create(spec)
		resp.Conversation = c.wire()
		return []change{{eventConversationCreated, conversationID(c.num)}}
	})
	if err != nil {
		badRequest(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

// specFromRequest resolves a create request's references. Called with w.mu
// held.
func (w *Workspace) specFromRequest(req createConversationRequest) (convSpec, error) {
	next := w.lastConv + 1
	spec := convSpec{
		title:         req.Title,
		description:   req.Description,
		stage:         "new",
		sourceChannel: req.SourceChannel,
		createdBy:     w.svc[0], // the API caller
	}
	if req.Stage != nil && req.Stage.Name != "" {
		if _, ok := stagePath(req.Stage.Name); !ok {
			return spec, fmt.Errorf("unknown stage %q", req.Stage.Name)
		}
		spec.stage = req.Stage.Name
	}
	var err error
	if spec.members, err = w.usersByRef(req.Members); err != nil {
		return spec, err
	}
	if len(spec.members) == 0 {
		spec.members = []*user{w.customer(next)}
	}
	if spec.owners, err = w.usersByRef(req.OwnedBy); err != nil {
		return spec, err
	}
	if len(req.OwnedBy) == 0 {
		spec.owners = []*user{w.agent(next)} // auto-assignment
	}
	for _, t := range req.Tags {
		tg := w.tagByRef(t.ID)
		if tg == nil {
			return spec, fmt.Errorf("unknown tag %q", t.ID)
		}
		spec.tags = append(spec.tags, tagValue{tag: tg, value: t.Value})
	}
	for _, m := range req.Messages {
		spec.messages = append(spec.messages, m.Body)
	}
	return spec, nil
}

func (w *Workspace) usersByRef(refs []string) ([]*user, error) {
	var out []*user
	for _, ref := range refs {
		u := w.users[ref]
		if u == nil {
			return nil, fmt.Errorf("unknown user %q", ref)
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (w *Workspace) tagByRef(ref string) *tag {
	n, ok := parseTagRef(ref)
	if !ok || n > len(w.tags) {
		return nil
	}
	return w.tags[n-1]
}

func (s *Server) deleteConversation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID string `json:"id"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.ID == "" {
		badRequest(w, errors.New("id is required"))
		return
	}
	found := false
	s.ws.mutate(func() []change {
		changes := s.ws.deleteConversation(req.ID)
		found = len(changes) > 0
		return changes
	})
	if !found {
		notFound(w, "conversation", req.ID)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// decodeBody reads a mutation's JSON body into v, answering 400 itself when
// it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := readBody(r)
	if err == nil {
		if err = json.Unmarshal(body, v); err != nil {
			err = fmt.Errorf("invalid request body: %w", err)
		}
	}
	if err != nil {
		badRequest(w, err)
		return false
	}
	return true
}

package chatwoottest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// contactsPerPage is ContactsController::RESULTS_PER_PAGE.
const contactsPerPage = 15

type contactListResponse struct {
	Meta    contactListMeta `json:"meta"`
	Payload []wireContact   `json:"payload"`
}

type contactListMeta struct {
	Count int `json:"count"`
	// CurrentPage echoes params[:page] || 1: the page parameter as a string
	// when it was given, the number 1 otherwise.
	CurrentPage any `json:"current_page"`
}

// listContacts lists the "resolved" contacts (with an email, a phone number
// or an identifier), 15 a page. sort is name, email, phone_number,
// last_activity_at or created_at, with a leading "-" for descending; nulls
// sort last and ties go by id. Without sort the real API has no ORDER BY (so
// an unspecified order); this fake serves ascending ids.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	q := r.URL.Query()
	var current any = 1
	if q.Has("page") {
		current = q.Get("page")
	}
	page := pageParam(q.Get("page"))
	order := contactOrder(q.Get("sort"))

	ws := s.ws
	ws.mu.RLock()
	var listed []*contact
	for _, ct := range ws.contacts {
		if ct.listed() {
			listed = append(listed, ct)
		}
	}
	if order != nil {
		slices.SortStableFunc(listed, order)
	}
	resp := contactListResponse{Meta: contactListMeta{Count: len(listed), CurrentPage: current}, Payload: []wireContact{}}
	from := min((page-1)*contactsPerPage, len(listed))
	for _, ct := range listed[from:min(from+contactsPerPage, len(listed))] {
		resp.Payload = append(resp.Payload, ws.wireContactListItem(ct))
	}
	ws.mu.RUnlock()
	writeJSON(w, http.StatusOK, resp)
}

// contactOrder is the order a sort parameter names, or nil for none.
func contactOrder(sort string) func(a, b *contact) int {
	dir := 1
	if rest, ok := strings.CutPrefix(sort, "-"); ok {
		sort, dir = rest, -1
	}
	str := func(get func(*contact) string) func(a, b *contact) int {
		return func(a, b *contact) int {
			x, y := get(a), get(b)
			if x == "" || y == "" { // nulls last
				return cmp.Compare(boolInt(x == ""), boolInt(y == ""))
			}
			return dir * strings.Compare(strings.ToLower(x), strings.ToLower(y))
		}
	}
	var key func(a, b *contact) int
	switch sort {
	case "name":
		key = str(func(c *contact) string { return c.name })
	case "email":
		key = str(func(c *contact) string { return c.email })
	case "phone_number":
		key = str(func(c *contact) string { return c.phone })
	case "last_activity_at":
		key = func(a, b *contact) int { return dir * a.lastActivity.Compare(b.lastActivity) }
	case "created_at":
		key = func(a, b *contact) int { return dir * a.created.Compare(b.created) }
	default:
		return nil
	}
	return func(a, b *contact) int {
		if d := key(a, b); d != 0 {
			return d
		}
		return cmp.Compare(a.id, b.id)
	}
}

// listAgents lists every agent of the account (administrators too), ordered
// by name as Chatwoot's order_by_full_name does.
func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	ws := s.ws
	ws.mu.RLock()
	agents := slices.Clone(ws.agents)
	out := make([]wireAgent, 0, len(agents))
	slices.SortStableFunc(agents, func(a, b *agent) int {
		return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	for _, a := range agents {
		out = append(out, ws.wireAgent(a))
	}
	ws.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

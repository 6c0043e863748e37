package chatwoottest

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// conversationsPerPage is CONVERSATION_RESULTS_PER_PAGE's default.
const conversationsPerPage = 25

// conversationsPageSize is the list's page size: the deployment's, else
// Chatwoot's default.
func (o Options) conversationsPageSize() int {
	if o.ConversationsPerPage > 0 {
		return o.ConversationsPerPage
	}
	return conversationsPerPage
}

type conversationListResponse struct {
	Data conversationListData `json:"data"`
}

type conversationListData struct {
	Meta    conversationListMeta `json:"meta"`
	Payload []wireConversation   `json:"payload"`
}

type conversationListMeta struct {
	MineCount       int `json:"mine_count"`
	AssignedCount   int `json:"assigned_count"`
	UnassignedCount int `json:"unassigned_count"`
	AllCount        int `json:"all_count"`
}

// listFilter is ConversationFinder's filtering, in its order: inbox, team,
// status (skipped when searching), labels, search; the counts are taken
// there, and the assignee type is applied after them.
type listFilter struct {
	status       string // "all" = any; "" (status= given empty) matches nothing, as where(status: "")
	inboxID      int    // 0 = any; -1 = none
	team         *team
	labels       []string
	query        string
	assigneeType string
	me           *agent
}

func (f *listFilter) counted(c *conversation) bool {
	if f.inboxID != 0 && c.inbox.id != f.inboxID {
		return false
	}
	if f.team != nil && c.team != f.team {
		return false
	}
	if f.query == "" && f.status != "all" && c.status != f.status {
		return false
	}
	if len(f.labels) > 0 && !slices.ContainsFunc(c.labels, func(l string) bool { return slices.Contains(f.labels, l) }) {
		return false
	}
	if f.query != "" && !slices.ContainsFunc(c.messages, func(m *message) bool {
		return (m.messageType == msgIncoming || m.messageType == msgOutgoing) && containsFold(m.content, f.query)
	}) {
		return false
	}
	return true
}

func (f *listFilter) assigned(c *conversation) bool {
	switch f.assigneeType {
	case "me":
		return c.assignee == f.me
	case "unassigned":
		return c.assignee == nil
	case "assigned":
		return c.assignee != nil
	}
	return true
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// sortFunc is Conversations::SortService: sort_by names an order, unknown
// names mean last_activity_at_desc. Ties fall back to the id, so that pages
// are stable while nothing changes.
func sortFunc(sortBy string) func(a, b *conversation) int {
	byID := func(a, b *conversation) int { return cmp.Compare(a.id, b.id) }
	desc := func(f func(a, b *conversation) int) func(a, b *conversation) int {
		return func(a, b *conversation) int { return f(b, a) }
	}
	then := func(fs ...func(a, b *conversation) int) func(a, b *conversation) int {
		return func(a, b *conversation) int {
			for _, f := range fs {
				if d := f(a, b); d != 0 {
					return d
				}
			}
			return 0
		}
	}
	created := func(a, b *conversation) int { return a.created.Compare(b.created) }
	activity := func(a, b *conversation) int { return a.lastActivity.Compare(b.lastActivity) }
	// Nulls last in both directions, as the SQL orders say.
	priority := func(dir int) func(a, b *conversation) int {
		return func(a, b *conversation) int {
			pa, pb := priorityRank(a.priority), priorityRank(b.priority)
			if pa < 0 || pb < 0 {
				return cmp.Compare(pb, pa)
			}
			return dir * cmp.Compare(pa, pb)
		}
	}
	waiting := func(dir int) func(a, b *conversation) int {
		return func(a, b *conversation) int {
			wa, wb := a.waitingSince(), b.waitingSince()
			if wa.IsZero() || wb.IsZero() {
				return cmp.Compare(boolInt(wa.IsZero()), boolInt(wb.IsZero()))
			}
			return dir * wa.Compare(wb)
		}
	}
	switch sortBy {
	case "created_at_asc":
		return then(created, byID)
	case "created_at_desc":
		return desc(then(created, byID))
	case "last_activity_at_asc":
		return then(activity, byID)
	case "priority_desc":
		return then(priority(-1), desc(activity), desc(byID))
	case "priority_asc":
		return then(priority(1), desc(activity), desc(byID))
	case "waiting_since_asc":
		return then(waiting(1), byID)
	case "waiting_since_desc":
		return then(waiting(-1), byID)
	}
	return desc(then(activity, byID))
}

func priorityRank(p string) int {
	switch p {
	case "low":
		return 0
	case "medium":
		return 1
	case "high":
		return 2
	case "urgent":
		return 3
	}
	return -1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// present is Rails' Object#present? for a query parameter.
func present(q url.Values, name string) bool {
	return strings.TrimSpace(q.Get(name)) != ""
}

// arrayParam reads a Rails array parameter: name[]=a&name[]=b, or name=a.
func arrayParam(q url.Values, name string) []string {
	var out []string
	for _, v := range append(slices.Clone(q[name+"[]"]), q[name]...) {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	q := r.URL.Query()
	f := listFilter{
		status:       q.Get("status"),
		labels:       arrayParam(q, "labels"),
		query:        q.Get("q"),
		assigneeType: q.Get("assignee_type"),
	}
	if !q.Has("status") {
		f.status = "open" // ConversationFinder::DEFAULT_STATUS
	}
	if present(q, "inbox_id") {
		if f.inboxID = rubyInt(q.Get("inbox_id")); f.inboxID <= 0 {
			f.inboxID = -1 // no such inbox: nothing matches
		}
	}
	cmpFn := sortFunc(q.Get("sort_by"))
	within := present(q, "updated_within")
	page := pageParam(q.Get("page"))

	ws := s.ws
	ws.mu.RLock()
	f.me = ws.agents[0]
	if present(q, "team_id") {
		id := rubyInt(q.Get("team_id"))
		if id < 1 || id > len(ws.teams) {
			ws.mu.RUnlock()
			notFound(w) // teams.find raises RecordNotFound
			return
		}
		f.team = ws.teams[id-1]
	}
	var resp conversationListResponse
	var matched []*conversation
	var cutoff time.Time
	if within {
		cutoff = ws.clock.Now().Add(-time.Duration(rubyInt(q.Get("updated_within"))) * time.Second)
	}
	for _, c := range ws.convs {
		if !f.counted(c) {
			continue
		}
		resp.Data.Meta.AllCount++
		if c.assignee == nil {
			resp.Data.Meta.UnassignedCount++
		} else if c.assignee == f.me {
			resp.Data.Meta.MineCount++
		}
		if f.assigned(c) && (!within || c.updated.After(cutoff)) {
			matched = append(matched, c)
		}
	}
	resp.Data.Meta.AssignedCount = resp.Data.Meta.AllCount - resp.Data.Meta.UnassignedCount
	slices.SortStableFunc(matched, cmpFn)
	if !within { // updated_within returns every match, whatever the page
		per := s.opts.conversationsPageSize()
		from := min((page-1)*per, len(matched))
		matched = matched[from:min(from+per, len(matched))]
	}
	resp.Data.Payload = make([]wireConversation, 0, len(matched))
	for _, c := range matched {
		resp.Data.Payload = append(resp.Data.Payload, ws.wireConversation(c))
	}
	ws.mu.RUnlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	if !s.account(w, r) {
		return
	}
	ws := s.ws
	ws.mu.RLock()
	c := ws.convBy[rubyInt(r.PathValue("conversation_id"))]
	var wc wireConversation
	if c != nil {
		wc = ws.wireConversation(c)
	}
	ws.mu.RUnlock()
	if c == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, wc)
}

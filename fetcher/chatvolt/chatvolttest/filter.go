package chatvolttest

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// listFilter is GET /conversation's filters. Unset fields do not filter.
type listFilter struct {
	agentID, channel, status, priority, assigneeID string
	unread                                         *bool
	from, to                                       time.Time // createdAt bounds, both inclusive
}

// parseFilter reads the filters from a query string. Enumerations are checked
// (a wrong value is a 400, not an empty list); dates are read like
// JavaScript's new Date(): an ISO 8601 date-time, or a bare date meaning
// midnight UTC, to the millisecond.
func parseFilter(q url.Values) (listFilter, error) {
	f := listFilter{
		agentID:    q.Get("agentId"),
		channel:    q.Get("channel"),
		status:     q.Get("status"),
		priority:   q.Get("priority"),
		assigneeID: q.Get("assigneeId"),
	}
	switch f.status {
	case "", statusResolved, statusUnresolved, statusHumanRequested:
	default:
		return f, fmt.Errorf("status must be RESOLVED, UNRESOLVED or HUMAN_REQUESTED, got %q", f.status)
	}
	switch f.priority {
	case "", "LOW", "MEDIUM", "HIGH":
	default:
		return f, fmt.Errorf("priority must be LOW, MEDIUM or HIGH, got %q", f.priority)
	}
	if s := q.Get("unread"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, fmt.Errorf("unread must be true or false, got %q", s)
		}
		f.unread = &b
	}
	var err error
	if f.from, err = parseDate(q, "createdAt"); err != nil {
		return f, err
	}
	if f.to, err = parseDate(q, "endDate"); err != nil {
		return f, err
	}
	return f, nil
}

func parseDate(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return trunc(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s is not an ISO 8601 date: %q", name, s)
}

func (f *listFilter) match(c *conversation) bool {
	switch {
	case f.agentID != "" && c.agentID != f.agentID,
		f.channel != "" && c.channel != f.channel,
		f.status != "" && c.status != f.status,
		f.priority != "" && c.priority != f.priority,
		f.assigneeID != "" && !slices.ContainsFunc(c.assignees, func(m *member) bool { return m.id == f.assigneeID }),
		f.unread != nil && c.hasUnread() != *f.unread,
		!f.from.IsZero() && c.created.Before(f.from),
		!f.to.IsZero() && c.created.After(f.to):
		return false
	}
	return true
}

// matches returns up to n conversations matching f, in list order, from
// position i, and whether another match follows. The endDate bound skips
// ahead by binary search and the createdAt bound stops the scan, so a date
// window costs only what it contains.
func (w *Workspace) matches(i int, f *listFilter, n int) (out []*conversation, more bool) {
	if !f.to.IsZero() {
		i = max(i, w.indexCreatedAtOrBefore(f.to))
	}
	for ; i < len(w.order); i++ {
		c := w.order[i]
		if !f.from.IsZero() && c.created.Before(f.from) {
			break
		}
		if !f.match(c) {
			continue
		}
		if len(out) == n {
			return out, true
		}
		out = append(out, c)
	}
	return out, false
}

package devrevtest

import (
	"cmp"
	"slices"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Snapshot is the workspace as the API serves it at one instant: what a
// complete, up-to-date mirror must hold. Times are exactly the instants the
// JSON carries (in UTC).
type Snapshot struct {
	// Conversations are the live conversations, sorted by ID.
	Conversations []SnapConversation
	// Chats are the chats some live conversation's channels refer to, sorted
	// by ID.
	Chats []SnapChat
	// Users are every user referenced by a live conversation (created_by,
	// modified_by, members, owned_by, the authors of its timeline entries) or
	// by one of Chats, sorted by ID.
	Users []SnapUser
}

// SnapConversation is a conversation. ID lists (members, owners, chats) are in
// the order the API serves them.
type SnapConversation struct {
	ID, DisplayID, Title, Description, Stage string
	SourceChannel                            string
	CreatedByID, ModifiedByID                string
	CreatedDate, ModifiedDate                time.Time
	MemberIDs, OwnerIDs                      []string
	Tags                                     map[string]string // tag name → value ("" when the tag has none)
	ChatIDs                                  []string
	SLA                                      *SnapSLA      // nil when no SLA applies
	Comments                                 []SnapComment // timeline_comment entries only, sorted by ID
	ChangeEvents                             int           // number of timeline_change_event entries
	// StageChanges are the stage changes the timeline's change events
	// record, oldest first: the source's own record of the conversation's
	// history.
	StageChanges []SnapStageChange
}

// MessageIDs are the ids of the conversation's comments, in order.
func (c SnapConversation) MessageIDs() []string {
	return fakeapi.IDs(c.Comments, func(m SnapComment) string { return m.ID })
}

// SnapStageChange is a stage change, as its timeline_change_event records it.
type SnapStageChange struct {
	At       time.Time // created_date
	From, To string    // old_value.name, new_value.name
	ByID     string    // created_by
}

// SnapComment is a timeline comment.
type SnapComment struct {
	ID, AuthorID, BodyType, Visibility string
	// ReplyTo is the comment whose thread this one answers; empty for a
	// comment of the conversation's own timeline.
	ReplyTo                   string
	Body                      *string // nil when deleted
	CreatedDate, ModifiedDate time.Time
	Artifacts                 []SnapArtifact
}

// SnapArtifact is a file attached to a comment.
type SnapArtifact struct {
	ID, Name, Type string
	Size           int
}

// SnapSLA is a conversation's SLA. Stage is the tracker's stage; TargetTime
// and ClosestToBreachMetric come from conversation.sla_summary, so they are
// zero for conversations that only carry an sla_tracker summary (and for
// completed SLAs).
type SnapSLA struct {
	Stage, Status         string
	TargetTime            time.Time
	ClosestToBreachMetric string
	SLAName               string
	TrackerID             string
	Metrics               []SnapMetric // in the order the API serves them
	// Embedded says the conversation embeds the whole tracker; otherwise
	// only its id and summary, and the tracker is read on its own.
	Embedded bool
}

// SnapMetric is one metric_target_summaries element.
type SnapMetric struct {
	Name, Status, Stage                       string
	TargetTime, WarningTargetTime, BreachedAt *time.Time
	CompletedAt                               *time.Time
	CompletedInMinutes                        *int
	InPolicy                                  bool
}

// SnapChat is a chat (a DM).
type SnapChat struct {
	ID, DisplayID, Title      string
	UserIDs                   []string
	CreatedDate, ModifiedDate time.Time
}

// SnapUser is a user summary; fields the API omits are "".
type SnapUser struct {
	ID, DisplayID, Type, DisplayName, FullName, Email, State string
}

// Snapshot captures the workspace.
func (w *Workspace) Snapshot() Snapshot {
	w.mu.RLock()
	defer w.mu.RUnlock()

	var snap Snapshot
	users := map[*user]bool{}
	chats := map[*chat]bool{}
	for _, c := range w.convs {
		snap.Conversations = append(snap.Conversations, c.snapshot())
		for _, u := range c.members {
			users[u] = true
		}
		for _, u := range c.owners {
			users[u] = true
		}
		for _, e := range c.entries {
			users[e.author] = true
		}
		users[c.createdBy], users[c.modifiedBy] = true, true
		for _, ch := range c.chats {
			chats[ch] = true
			for _, u := range ch.users {
				users[u] = true
			}
		}
	}
	delete(users, nil)
	slices.SortFunc(snap.Conversations, func(a, b SnapConversation) int { return cmp.Compare(a.ID, b.ID) })
	for ch := range chats {
		snap.Chats = append(snap.Chats, SnapChat{
			ID: chatID(ch.code), DisplayID: chatDisplayID(ch.code), Title: ch.title,
			UserIDs: userIDs(ch.users), CreatedDate: ch.created, ModifiedDate: ch.modified,
		})
	}
	slices.SortFunc(snap.Chats, func(a, b SnapChat) int { return cmp.Compare(a.ID, b.ID) })
	for u := range users {
		snap.Users = append(snap.Users, SnapUser{
			ID: u.ID, DisplayID: u.DisplayID, Type: u.Type, DisplayName: u.DisplayName,
			FullName: u.FullName, Email: u.Email, State: u.State,
		})
	}
	slices.SortFunc(snap.Users, func(a, b SnapUser) int { return cmp.Compare(a.ID, b.ID) })
	return snap
}

func (c *conversation) snapshot() SnapConversation {
	sc := SnapConversation{
		ID:            conversationID(c.num),
		DisplayID:     conversationDisplayID(c.num),
		Title:         c.title,
		Description:   c.description,
		Stage:         c.stage,
		SourceChannel: c.sourceChannel,
		CreatedByID:   idOf(c.createdBy),
		ModifiedByID:  idOf(c.modifiedBy),
		CreatedDate:   c.created,
		ModifiedDate:  c.modified,
		MemberIDs:     userIDs(c.members),
		OwnerIDs:      userIDs(c.owners),
		Tags:          map[string]string{},
	}
	for _, tv := range c.tags {
		sc.Tags[tv.tag.name] = tv.value
	}
	for _, ch := range c.chats {
		sc.ChatIDs = append(sc.ChatIDs, chatID(ch.code))
	}
	if c.sla != nil {
		sc.SLA = c.sla.snapshot(c.slaEmbedded)
	}
	for _, e := range c.entries {
		switch e.kind {
		case kindChange:
			sc.ChangeEvents++
			sc.StageChanges = append(sc.StageChanges, SnapStageChange{At: e.created, From: e.from, To: e.to, ByID: idOf(e.author)})
		case kindComment:
			sc.Comments = append(sc.Comments, e.snapshot(c))
		}
	}
	slices.SortFunc(sc.Comments, func(a, b SnapComment) int { return cmp.Compare(a.ID, b.ID) })
	return sc
}

func (e *entry) snapshot(c *conversation) SnapComment {
	sc := SnapComment{
		ID:           entryID(c.num, e.kind, e.num),
		AuthorID:     idOf(e.author),
		BodyType:     "text",
		Visibility:   e.visibility,
		CreatedDate:  e.created,
		ModifiedDate: e.modified,
	}
	if e.replyTo != 0 {
		sc.ReplyTo = entryID(c.num, kindComment, e.replyTo)
	}
	if !e.deleted {
		body := e.body
		sc.Body = &body
	}
	for _, a := range e.artifacts {
		sc.Artifacts = append(sc.Artifacts, SnapArtifact{ID: artifactID(a.num), Name: a.name, Type: a.mime, Size: a.size})
	}
	return sc
}

func (t *slaTracker) snapshot(embedded bool) *SnapSLA {
	sum := t.summary()
	s := &SnapSLA{
		Stage:     sum.stage,
		Status:    t.status(),
		SLAName:   t.policy.name,
		TrackerID: trackerID(t.num),
		Embedded:  embedded,
	}
	if embedded {
		s.TargetTime, s.ClosestToBreachMetric = sum.target, sum.closest
	}
	for _, m := range t.metrics {
		sm := SnapMetric{
			Name: m.def.name, Status: m.status, Stage: m.stage, InPolicy: m.inPolicy,
			TargetTime: timePtr(m.target), WarningTargetTime: timePtr(m.warning),
			BreachedAt: timePtr(m.breached), CompletedAt: timePtr(m.completedAt),
		}
		if m.completedIn >= 0 {
			in := m.completedIn
			sm.CompletedInMinutes = &in
		}
		s.Metrics = append(s.Metrics, sm)
	}
	return s
}

func userIDs(us []*user) []string {
	var ids []string
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func idOf(u *user) string {
	if u == nil {
		return ""
	}
	return u.ID
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

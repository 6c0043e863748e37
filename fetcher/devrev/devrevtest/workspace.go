package devrevtest

import (
	"slices"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// Workspace is the fake DevRev org's data. It is safe for concurrent use: one
// RWMutex guards everything, the HTTP handlers read under it and the mutation
// methods write under it.
type Workspace struct {
	mu   sync.RWMutex
	feed fakeapi.Feed[change] // what each mutation changed, for the servers' webhooks

	clock        fakeapi.Clock // advanced on every mutation
	vocab        *vocab
	commentsBump bool

	dev, rev, sys, svc []*user
	users              map[string]*user // by DON and by display ID

	convs    map[int]*conversation
	chats    map[string]*chat // by code
	trackers map[int]*slaTracker
	tags     []*tag
	policies []*slaPolicy
	metrics  []*metricDef

	// orders holds one list order per server seed, kept sorted incrementally so
	// that a list page costs a binary search, not a sort.
	orders map[int64]*orderIndex

	lastConv, lastEntry, lastArtifact, lastTracker, lastChat int
}

// NewWorkspace returns a workspace with no conversations (only a pool of users
// to draw authors from). Its clock starts at start and advances by a little
// over a second per mutation, so modified dates strictly increase.
func NewWorkspace(start time.Time) *Workspace {
	w := &Workspace{
		clock:        fakeapi.NewClock(start, time.Microsecond, 104729),
		vocab:        newVocab(),
		commentsBump: true,
		users:        map[string]*user{},
		convs:        map[int]*conversation{},
		chats:        map[string]*chat{},
		trackers:     map[int]*slaTracker{},
		orders:       map[int64]*orderIndex{},
	}
	w.addBaseUsers()
	w.addCatalog()
	return w
}

// SetCommentsBumpConversation sets whether adding, editing or deleting a
// comment bumps its conversation's modified_date. The real API's behaviour is
// undocumented, so tests exercise both. Defaults to true.
func (w *Workspace) SetCommentsBumpConversation(bump bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.commentsBump = bump
}

// precision is how many fractional second digits an object's timestamps carry
// on the wire: 3, 6 or 9, like the real API. Stored times are truncated to it,
// so what a client decodes is exactly what Snapshot reports.
type precision uint8

func precisionFor(n int, salt uint64) precision {
	return [...]precision{3, 6, 9}[fakeapi.Mix(uint64(n)^salt)%3]
}

func (p precision) trunc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if p == 3 {
		return t.UTC().Truncate(time.Millisecond)
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (p precision) format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	layout := "2006-01-02T15:04:05.000000000Z07:00"
	switch p {
	case 3:
		layout = "2006-01-02T15:04:05.000Z07:00"
	case 6:
		layout = "2006-01-02T15:04:05.000000Z07:00"
	}
	return t.UTC().Format(layout)
}

type conversation struct {
	num  int
	prec precision

	title, description, stage, sourceChannel string

	createdBy, modifiedBy *user
	created, modified     time.Time

	members, owners []*user
	tags            []tagValue
	chats           []*chat

	sla         *slaTracker
	slaEmbedded bool // sla_summary with the full tracker, vs only a tracker summary

	entries []*entry // ascending by (created, num)
	extras  bool     // serve undocumented fields too
}

type entryKind uint8

const (
	kindComment entryKind = iota
	kindChange
	kindUnknown // a type the spec does not know, to test lenient decoding
)

func (k entryKind) idSegment() string {
	switch k {
	case kindChange:
		return "change_event"
	case kindUnknown:
		return "note"
	}
	return "comment"
}

type entry struct {
	num  int
	kind entryKind
	prec precision

	author            *user
	created, modified time.Time

	body       string
	deleted    bool
	visibility string // "" = omitted on the wire (the API then means external)
	artifacts  []artifact

	from, to string // change events: the stage transition
	extras   bool

	// replyTo is the number of the comment whose thread this comment
	// answers; 0 for an entry of the conversation's own timeline. DevRev
	// lists a thread's replies under their comment (object = the comment),
	// not under the conversation.
	replyTo int
}

type artifact struct {
	num        int
	name, mime string
	size       int
}

type chat struct {
	code, title       string
	prec              precision
	users             []*user
	created, modified time.Time
}

type tag struct {
	num  int
	name string
}

type tagValue struct {
	tag   *tag
	value string
}

type slaPolicy struct {
	num  int
	name string
}

type metricDef struct {
	num  int
	name string
}

type slaTracker struct {
	num               int
	prec              precision
	conv              *conversation
	policy            *slaPolicy
	created, modified time.Time
	metrics           []*metric
}

type metric struct {
	def                                    *metricDef
	stage, status                          string
	target, warning, breached, completedAt time.Time // zero = unset
	completedIn                            int       // minutes; -1 = unset
	inPolicy                               bool
}

// conversationByRef finds a live conversation by DON or display ID.
func (w *Workspace) conversationByRef(ref string) *conversation {
	n, ok := parseConversationRef(ref)
	if !ok {
		return nil
	}
	return w.convs[n]
}

// chatByRef finds a chat by DON or display ID.
func (w *Workspace) chatByRef(ref string) *chat {
	code, _ := parseChatRef(ref)
	return w.chats[code]
}

// trackerByRef finds an SLA tracker by DON or display ID.
func (w *Workspace) trackerByRef(ref string) *slaTracker {
	n, _ := parseTrackerRef(ref)
	return w.trackers[n]
}

// entryByRef finds a timeline entry by DON. Entries are few per conversation,
// so a scan beats keeping a global index of every entry.
func (w *Workspace) entryByRef(ref string) (*conversation, *entry) {
	cn, _, en, ok := parseEntryRef(ref)
	if !ok {
		return nil, nil
	}
	c := w.convs[cn]
	if c == nil {
		return nil, nil
	}
	for _, e := range c.entries {
		if e.num == en {
			return c, e
		}
	}
	return nil, nil
}

// newConversation allocates a conversation and registers it in every order.
func (w *Workspace) newConversation(created time.Time) *conversation {
	w.lastConv++
	c := &conversation{num: w.lastConv, prec: precisionFor(w.lastConv, 0xc0)}
	c.created = c.prec.trunc(created)
	c.modified = c.created
	c.extras = fakeapi.Mix(uint64(c.num))%9 == 0
	w.convs[c.num] = c
	for _, o := range w.orders {
		o.insert(c)
	}
	return c
}

// removeConversation deletes c and its SLA tracker. Like every mutation, it
// advances the clock.
func (w *Workspace) removeConversation(c *conversation) {
	w.clock.Tick()
	delete(w.convs, c.num)
	if c.sla != nil {
		delete(w.trackers, c.sla.num)
	}
	for _, o := range w.orders {
		o.remove(c)
	}
}

// newEntry appends an entry to c. Callers add entries in time order, which
// keeps c.entries sorted without a sort.
func (w *Workspace) newEntry(c *conversation, kind entryKind, at time.Time, author *user) *entry {
	w.lastEntry++
	e := &entry{num: w.lastEntry, kind: kind, prec: precisionFor(w.lastEntry, 0xe0), author: author}
	e.created = e.prec.trunc(at)
	e.modified = e.created
	e.extras = fakeapi.Mix(uint64(e.num))%13 == 0
	c.entries = append(c.entries, e)
	return e
}

func (w *Workspace) newChat(title string, created, modified time.Time, users []*user) *chat {
	w.lastChat++
	ch := &chat{code: chatCode(w.lastChat), title: title, prec: precisionFor(w.lastChat, 0xca), users: users}
	ch.created = ch.prec.trunc(created)
	ch.modified = ch.prec.trunc(modified)
	w.chats[ch.code] = ch
	return ch
}

func (w *Workspace) newTracker(c *conversation, policy *slaPolicy) *slaTracker {
	w.lastTracker++
	t := &slaTracker{num: w.lastTracker, prec: c.prec, conv: c, policy: policy, created: c.created, modified: c.created}
	w.trackers[t.num] = t
	c.sla = t
	return t
}

func (w *Workspace) newArtifact(name, mime string, size int) artifact {
	w.lastArtifact++
	return artifact{num: w.lastArtifact, name: name, mime: mime, size: size}
}

// hasComment reports whether comment num is in c's own timeline, where a
// thread starts.
func (c *conversation) hasComment(num int) bool {
	for _, e := range c.entries {
		if e.num == num {
			return e.kind == kindComment && e.replyTo == 0
		}
	}
	return false
}

// replies counts the replies in the thread of comment num.
func (c *conversation) replies(num int) int {
	n := 0
	for _, e := range c.entries {
		if e.replyTo == num {
			n++
		}
	}
	return n
}

// latestComments returns up to n comments of the conversation's own
// timeline, newest first: its embedded "messages".
func (c *conversation) latestComments(n int) []*entry {
	var out []*entry
	for i := len(c.entries) - 1; i >= 0 && len(out) < n; i-- {
		if c.entries[i].kind == kindComment && c.entries[i].replyTo == 0 {
			out = append(out, c.entries[i])
		}
	}
	return out
}

// sortEntries restores the (created, num) order after bulk generation.
func (c *conversation) sortEntries() {
	slices.SortFunc(c.entries, func(a, b *entry) int {
		if d := a.created.Compare(b.created); d != 0 {
			return d
		}
		return a.num - b.num
	})
}

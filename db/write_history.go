package db

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// historyFacts is what one batch says of one conversation's history.
type historyFacts struct {
	// listed are states a listing read before this batch and handed on;
	// observed is the state of the conversation row the batch wrote.
	listed   []record.Observation
	observed *record.Conversation
	changes  []record.ConversationChange
	complete bool
}

// history merges what the batch says of conversations' tracked fields into
// conversation_history, in the transaction that writes them: the state of
// each conversation row it wrote, the vendor's change records, and which
// conversations' change records are now complete since their creation. It
// is the one writer of the table, whatever the vendor: a conversation's
// versions are read, merged with the facts in memory (see history), and
// written again only when they differ.
func (w *batchWriter) history(ctx context.Context) error {
	facts := w.historyFacts()
	if len(facts) == 0 {
		return nil
	}
	if err := w.incompleteWithQuarantine(ctx, facts); err != nil {
		return err
	}
	ids := make([]string, 0, len(facts))
	for id := range facts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	created, err := w.q.ConversationsCreatedAt(ctx, dbq.ConversationsCreatedAtParams{Source: w.source, Ids: ids})
	if err != nil {
		return fmt.Errorf("read when %d conversations were created: %w", len(ids), err)
	}
	stored, err := w.storedHistories(ctx, ids)
	if err != nil {
		return err
	}
	now := w.transactionTime(ctx)
	read := map[string][]version{}
	var rows []dbq.InsertHistoryParams
	// A conversation the mirror does not hold has no history to write; its
	// messages job only runs after its row is written, so this is one
	// deleted meanwhile, whose record a later pass brings back.
	for _, c := range created {
		h := stored[c.ID]
		before := slices.Clone(h.versions)
		if err := h.apply(facts[c.ID], c.CreatedAt, now); err != nil {
			return err
		}
		if slices.EqualFunc(before, h.versions, sameVersion) {
			continue
		}
		versions, err := h.rows(w.source, c.ID)
		if err != nil {
			return err
		}
		read[c.ID] = before
		rows = append(rows, versions...)
	}
	return w.writeHistories(ctx, read, rows)
}

// historyFacts gathers the batch's facts by conversation: the rows it wrote
// (an older copy that lost to a newer stored one says nothing new) but those
// whose history it leaves to their messages job, the observations such a
// listing handed on, change records and completeness.
func (w *batchWriter) historyFacts() map[string]*historyFacts {
	facts := map[string]*historyFacts{}
	of := func(id string) *historyFacts {
		f := facts[id]
		if f == nil {
			f = &historyFacts{}
			facts[id] = f
		}
		return f
	}
	for i := range w.convs {
		if c := &w.convs[i]; w.written[c.ID] && !w.historyLeft[c.ID] {
			of(c.ID).observed = c
		}
	}
	for _, o := range w.b.Observations {
		of(o.ConversationID).listed = append(of(o.ConversationID).listed, o)
	}
	for _, c := range w.b.Changes {
		if c.ConversationID != "" && !c.At.IsZero() {
			of(c.ConversationID).changes = append(of(c.ConversationID).changes, c)
		}
	}
	for _, id := range w.b.ChangesCompleteFor {
		of(id).complete = true
	}
	return facts
}

// incompleteWithQuarantine takes back the completeness of the change records
// of conversations with a message in quarantine: an entry of their timeline,
// on an earlier page, could not be read and may have been a change.
func (w *batchWriter) incompleteWithQuarantine(ctx context.Context, facts map[string]*historyFacts) error {
	var complete []string
	for id, f := range facts {
		if f.complete {
			complete = append(complete, id)
		}
	}
	if len(complete) == 0 {
		return nil
	}
	held, err := w.q.ParentsWithOpenQuarantine(ctx, dbq.ParentsWithOpenQuarantineParams{Source: w.source, Stream: record.StreamMessages, ParentIds: complete})
	if err != nil {
		return fmt.Errorf("find the quarantined messages of %d conversations: %w", len(complete), err)
	}
	for _, id := range held {
		facts[id].complete = false
	}
	return nil
}

// apply merges one conversation's facts in the order they were read: the
// states listings read before (oldest first), change records (oldest first,
// though any order gives the same history), the observed state, then the
// creation. The order matters where a change record leaves fields unset: a
// version it adds takes them from the state known next to it.
func (h *history) apply(f *historyFacts, createdAt *time.Time, now func() (time.Time, error)) error {
	listed := slices.SortedStableFunc(slices.Values(f.listed), func(a, b record.Observation) int { return a.ModifiedAt.Compare(b.ModifiedAt) })
	for _, o := range listed {
		if err := h.observeListed(o.State, o.ModifiedAt, now); err != nil {
			return err
		}
	}
	changes := slices.SortedFunc(slices.Values(f.changes), func(a, b record.ConversationChange) int { return a.At.Compare(b.At) })
	for _, c := range changes {
		h.applyChange(c)
	}
	h.settle()
	if f.observed != nil {
		if err := h.observe(f.observed.State(), f.observed.ModifiedAt, now); err != nil {
			return err
		}
	}
	if f.complete && createdAt != nil {
		h.applyCreation(*createdAt)
		h.settle()
	}
	return nil
}

// observe merges a state read with the vendor's modification time
// modifiedAt.
func (h *history) observe(s record.ConversationState, modifiedAt time.Time, now func() (time.Time, error)) error {
	t, err := now()
	if err != nil {
		return err
	}
	// As the rows store it (a NUL removed): compared with the stored
	// versions, a state not cleaned would differ from its own copy and add
	// a version at every write.
	h.applyObservation(cleanState(s), modifiedAt, t)
	h.settle()
	return nil
}

// observeListed merges a state a listing read and handed on to a later
// transaction. Facts read after it may be stored by then: where a version
// already starts at its modification time and rests on an observation (a
// read at least as late, of the same vendor time), it changes nothing,
// instead of being taken for a change the vendor made without moving that
// time; a version resting only on the vendor's change record at that
// instant takes it as the state after the change, as it would have had the
// listing written it first.
func (h *history) observeListed(s record.ConversationState, modifiedAt time.Time, now func() (time.Time, error)) error {
	if i, exact := h.find(historyTime(modifiedAt)); exact {
		if v := h.versions[i]; v.observedOnly() || v.Evidence.Observed != nil {
			return nil
		}
	}
	return h.observe(s, modifiedAt, now)
}

// transactionTime returns a function that reads the transaction's time once,
// when first needed: the time a change syncer cannot otherwise date is
// dated by.
func (w *batchWriter) transactionTime(ctx context.Context) func() (time.Time, error) {
	var now time.Time
	return func() (time.Time, error) {
		if !now.IsZero() {
			return now, nil
		}
		t, err := w.q.TransactionTime(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("read the transaction's time: %w", err)
		}
		now = historyTime(t)
		return now, nil
	}
}

// storedHistories reads the versions of the conversations, those this batch
// inserted left out (they have none yet).
func (w *batchWriter) storedHistories(ctx context.Context, ids []string) (map[string]*history, error) {
	out := make(map[string]*history, len(ids))
	var held []string
	for _, id := range ids {
		out[id] = &history{}
		if !w.fresh[id] {
			held = append(held, id)
		}
	}
	if len(held) == 0 {
		return out, nil
	}
	rows, err := w.q.HistoryOf(ctx, dbq.HistoryOfParams{Source: w.source, Ids: held})
	if err != nil {
		return nil, fmt.Errorf("read the history of %d conversations: %w", len(held), err)
	}
	for _, r := range rows {
		v, err := storedVersion(r)
		if err != nil {
			return nil, fmt.Errorf("history of %s at %s: %w", r.ConversationID, r.ValidFrom, err)
		}
		out[r.ConversationID].versions = append(out[r.ConversationID].versions, v)
	}
	return out, nil
}

// storedVersion turns a stored row back into a version.
func storedVersion(r dbq.HistoryOfRow) (version, error) {
	v := version{
		From: r.ValidFrom.UTC(),
		State: record.ConversationState{
			Status: deref(r.Status), NativeStatus: deref(r.NativeStatus), Priority: deref(r.Priority),
			AssigneeIDs: r.AssigneeIds, SLAStage: deref(r.SlaStage),
		},
		Via:       r.ObservedVia,
		ChangedBy: deref(r.ChangedBy),
	}
	if len(r.Evidence) > 0 {
		if err := json.Unmarshal(r.Evidence, &v.Evidence); err != nil {
			return v, fmt.Errorf("decode evidence: %w", err)
		}
	}
	if v.observedOnly() {
		state := v.State
		v.Evidence.Observed = &state
	}
	return v, nil
}

// rows returns the conversation's versions as rows for InsertHistory, each
// valid until the next one starts. Text is cleaned as for every other table
// (see copy_rows.go).
func (h *history) rows(source, conversationID string) ([]dbq.InsertHistoryParams, error) {
	out := make([]dbq.InsertHistoryParams, len(h.versions))
	for i, v := range h.versions {
		r := dbq.InsertHistoryParams{
			Source: source, ConversationID: cleanText(conversationID), ValidFrom: v.From,
			Status: optText(v.State.Status), NativeStatus: optText(v.State.NativeStatus), Priority: optText(v.State.Priority),
			AssigneeIds: cleanTexts(record.SortedIDs(v.State.AssigneeIDs)), SlaStage: optText(v.State.SLAStage),
			ChangedBy: optText(v.ChangedBy), ObservedVia: v.Via, Evidence: []byte("{}"),
		}
		if i+1 < len(h.versions) {
			r.ValidTo = &h.versions[i+1].From
		}
		if !v.observedOnly() {
			ev, err := json.Marshal(v.Evidence)
			if err != nil {
				return nil, fmt.Errorf("encode the evidence of %s at %s: %w", conversationID, v.From, err)
			}
			r.Evidence = StripNULEscapes(ev)
		}
		out[i] = r
	}
	return out, nil
}

// cleanTexts cleans each of ids (see cleanText); never nil, since the
// column is NOT NULL.
func cleanTexts(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = cleanText(id)
	}
	return out
}

// writeHistories replaces the versions of the conversations whose history
// changed (read holds the versions the merge started from). Rewriting a
// conversation's few versions whole keeps one statement for any change, a
// version inserted in the middle included.
//
// Two transactions may merge facts into one conversation's history at once
// (its listing and its timeline). Instead of locking every conversation a
// page touches, which cost the backfill a third more of PostgreSQL's time,
// the writer checks that the versions it removes are the ones it read: if
// another transaction wrote meanwhile, this one fails as a serialization
// failure and the page is written again from the start. A conversation
// that had no versions has none to remove: two transactions that both found
// none and insert conflict on its one current version instead
// (conversation_history_current_idx), a unique violation (IsInsertRace) on
// which the page is written again too.
func (w *batchWriter) writeHistories(ctx context.Context, read map[string][]version, rows []dbq.InsertHistoryParams) error {
	if len(read) == 0 {
		return nil
	}
	var ids []string
	for id, versions := range read {
		if len(versions) > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		slices.Sort(ids)
		removed, err := w.q.DeleteHistoryOf(ctx, dbq.DeleteHistoryOfParams{Source: w.source, Ids: ids})
		if err != nil {
			return fmt.Errorf("remove the history of %d conversations to write it again: %w", len(ids), err)
		}
		if err := requireUnchanged(read, removed); err != nil {
			return err
		}
	}
	if _, err := w.q.InsertHistory(ctx, rows); err != nil {
		return fmt.Errorf("write %d versions of conversation history: %w", len(rows), err)
	}
	w.res.add("conversation_history", len(rows))
	return nil
}

// requireUnchanged returns a serialization failure unless the removed rows
// are the versions read, conversation by conversation. A DELETE returns its
// rows in the order it found them in the table, which after chains were
// rewritten into reused space is not time order: they are put in time order
// first (the versions read are), or the same history would look changed on
// every try and the page would never commit.
func requireUnchanged(read map[string][]version, removed []dbq.DeleteHistoryOfRow) error {
	got := map[string][]version{}
	for _, r := range removed {
		v, err := storedVersion(dbq.HistoryOfRow(r))
		if err != nil {
			return fmt.Errorf("history of %s at %s: %w", r.ConversationID, r.ValidFrom, err)
		}
		got[r.ConversationID] = append(got[r.ConversationID], v)
	}
	for id, versions := range read {
		slices.SortFunc(got[id], func(a, b version) int { return a.From.Compare(b.From) })
		if !slices.EqualFunc(versions, got[id], sameVersion) {
			return &pgconn.PgError{
				Code:    "40001", // serialization_failure: the page is written again
				Message: fmt.Sprintf("the history of conversation %s changed while this page merged into it", id),
			}
		}
	}
	return nil
}

// sameVersion reports whether two versions would be stored alike.
func sameVersion(a, b version) bool {
	if !a.From.Equal(b.From) || a.Via != b.Via || a.ChangedBy != b.ChangedBy || !a.State.Equal(b.State) {
		return false
	}
	ea, err1 := json.Marshal(a.Evidence)
	eb, err2 := json.Marshal(b.Evidence)
	return err1 == nil && err2 == nil && string(ea) == string(eb)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

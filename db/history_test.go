package db

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/record"
)

// at is a time of the hand-built timelines: day 1 of March 2025 UTC plus d.
func at(d time.Duration) time.Time {
	return time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(d)
}

func stage(name, status string) record.ConversationState {
	return record.ConversationState{Status: status, NativeStatus: name, Priority: "p2", AssigneeIDs: []string{"agent"}}
}

// stageChange is a DevRev stage change event.
func stageChange(t time.Time, from, to record.ConversationState) record.ConversationChange {
	return record.ConversationChange{
		At: t, ChangedBy: "agent", Sets: []record.TrackedField{record.FieldNativeStatus, record.FieldStatus},
		Before: &from, After: to,
	}
}

type wantVersion struct {
	from   time.Time
	status string
	via    string
}

func requireVersions(t *testing.T, h *history, want ...wantVersion) {
	t.Helper()
	got := make([]wantVersion, len(h.versions))
	for i, v := range h.versions {
		got[i] = wantVersion{v.From, v.State.Status, v.Via}
	}
	require.Equal(t, want, got)
}

func TestHistory(t *testing.T) {
	t.Parallel()

	var (
		newS      = stage("new", record.StatusOpen)
		active    = stage("active", record.StatusOpen)
		waiting   = stage("waiting_on_user", record.StatusPending)
		resolved  = stage("resolved", record.StatusResolved)
		created   = at(0)
		now       = at(100 * time.Hour)
		toWaiting = stageChange(at(2*time.Hour), active, waiting)
		toActive  = stageChange(at(time.Hour), newS, active)
		toDone    = stageChange(at(5*time.Hour), waiting, resolved)
	)

	t.Run("ChangeRecordsInAnyOrderGiveOneChain", func(t *testing.T) {
		t.Parallel()
		// The listing saw the conversation resolved, modified at 6h; its
		// timeline's change events then arrive out of order, over two pages.
		h := &history{}
		h.applyObservation(resolved, at(6*time.Hour), now)
		h.settle()
		requireVersions(t, h, wantVersion{at(6 * time.Hour), "resolved", ViaModified})

		for _, c := range []record.ConversationChange{toDone, toActive} {
			h.applyChange(c)
			h.settle()
		}
		h.applyChange(toWaiting) // a change older than the current version goes in the middle
		h.settle()
		h.applyCreation(created)
		h.settle()
		requireVersions(t, h,
			wantVersion{created, "open", ViaEvent},
			wantVersion{at(time.Hour), "open", ViaEvent},
			wantVersion{at(2 * time.Hour), "pending", ViaEvent},
			wantVersion{at(5 * time.Hour), "resolved", ViaEvent},
		)
		require.Equal(t, "new", h.versions[0].State.NativeStatus, "the creation takes the first change's old value")
		require.Equal(t, []string{"agent"}, h.versions[2].State.AssigneeIDs, "untracked by events, taken from the observation")

		again := &history{versions: append([]version(nil), h.versions...)}
		for _, c := range []record.ConversationChange{toWaiting, toActive, toDone} {
			again.applyChange(c)
		}
		again.settle()
		again.applyObservation(resolved, at(6*time.Hour), now)
		again.applyCreation(created)
		again.settle()
		require.Equal(t, h.versions, again.versions, "a page read again changes nothing")
	})

	t.Run("TwoChangesWithinOnePollOnlyLastIsObserved", func(t *testing.T) {
		t.Parallel()
		// A vendor without change records (Chatvolt): open, then pending and
		// resolved between two polls. Only the resolution is seen, dated by
		// the modification time.
		h := &history{}
		h.applyObservation(newS, at(0), at(time.Minute))
		h.settle()
		h.applyObservation(resolved, at(40*time.Second+time.Minute), at(2*time.Minute))
		h.settle()
		requireVersions(t, h,
			wantVersion{at(0), "open", ViaModified},
			wantVersion{at(100 * time.Second), "resolved", ViaModified},
		)
	})

	t.Run("UnmovedModificationTimeIsDatedBySync", func(t *testing.T) {
		t.Parallel()
		h := &history{}
		h.applyObservation(newS, at(time.Hour), at(2*time.Hour))
		h.settle()
		breached := newS
		breached.SLAStage = "breached"
		h.applyObservation(breached, at(time.Hour), at(3*time.Hour))
		h.settle()
		requireVersions(t, h,
			wantVersion{at(time.Hour), "open", ViaModified},
			wantVersion{at(3 * time.Hour), "open", ViaSync},
		)
	})

	t.Run("ObservationJustBeforeItsChangeRecordGoes", func(t *testing.T) {
		t.Parallel()
		// The modification time, with a coarser precision, falls a little
		// before the change event's own time.
		h := &history{}
		h.applyObservation(waiting, at(2*time.Hour), now)
		h.settle()
		done := toDone
		done.At = at(5*time.Hour + 700*time.Microsecond)
		h.applyObservation(resolved, at(5*time.Hour), now)
		h.settle()
		h.applyChange(done)
		h.settle()
		requireVersions(t, h,
			wantVersion{at(2 * time.Hour), "pending", ViaModified},
			wantVersion{done.At, "resolved", ViaEvent},
		)
	})

	t.Run("ObservationsAroundTheirChangeRecordJoinIt", func(t *testing.T) {
		t.Parallel()
		// Resolving completes the SLA: the listing sees both, modified a
		// few hundred microseconds before the stage change event's time,
		// then (listed again) after it.
		completed := resolved
		completed.SLAStage = "completed"
		for _, order := range []string{"RecordFirst", "ObservationFirst"} {
			h := &history{}
			h.applyObservation(waiting, at(2*time.Hour), now)
			h.settle()
			if order == "RecordFirst" {
				h.applyChange(toDone)
				h.settle()
			}
			h.applyObservation(completed, toDone.At.Add(-300*time.Microsecond), now)
			h.settle()
			h.applyChange(toDone)
			h.settle()
			h.applyObservation(completed, toDone.At.Add(300*time.Microsecond), now) // listed again
			h.settle()
			requireVersions(t, h,
				wantVersion{at(2 * time.Hour), "pending", ViaModified},
				wantVersion{toDone.At, "resolved", ViaEvent},
			)
			require.Equal(t, "completed", h.versions[1].State.SLAStage, order)
		}
	})

	t.Run("ObservationAtTheChangeInstantJoinsIt", func(t *testing.T) {
		t.Parallel()
		h := &history{}
		h.applyObservation(waiting, at(2*time.Hour), now)
		h.applyChange(toDone)
		h.settle()
		completed := resolved
		completed.SLAStage = "completed"
		h.applyObservation(completed, toDone.At, now)
		h.settle()
		requireVersions(t, h,
			wantVersion{at(2 * time.Hour), "pending", ViaModified},
			wantVersion{toDone.At, "resolved", ViaEvent},
		)
		require.Equal(t, "completed", h.versions[1].State.SLAStage)
	})

	t.Run("VendorClockAheadOfOursIsStillTheVendors", func(t *testing.T) {
		t.Parallel()
		// Created and modified 10 s after the database's now: the
		// creation and the change records line up with the vendor's times.
		h := &history{}
		h.applyObservation(newS, at(10*time.Second), at(0))
		h.settle()
		h.applyCreation(at(10 * time.Second))
		h.settle()
		requireVersions(t, h, wantVersion{at(10 * time.Second), "open", ViaEvent})
	})

	t.Run("NanosecondsAreCut", func(t *testing.T) {
		t.Parallel()
		h := &history{}
		c := toDone
		c.At = c.At.Add(999)
		h.applyChange(c)
		h.applyChange(c)
		h.settle()
		require.Len(t, h.versions, 1)
		require.Equal(t, toDone.At, h.versions[0].From)
	})
}

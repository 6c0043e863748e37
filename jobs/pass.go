package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/syncerhq/syncer/db/dbq"
)

// StreamConversations is the stream that drives a source's passes.
const StreamConversations = "conversations"

// PassKind says how far back a pass reads.
type PassKind string

const (
	// PassBackfill reads the whole history (or everything since a time).
	PassBackfill PassKind = "backfill"
	// PassIncremental reads what changed since the watermark, minus the
	// overlap window.
	PassIncremental PassKind = "incremental"
	// PassSweep reads the whole listing, like a backfill, and then checks
	// every mirrored conversation it did not show: a get that answers 404
	// marks it deleted. Vendors' change listings return no tombstones, so
	// this is how deletes are found.
	PassSweep PassKind = "sweep"
)

// Pass is a pass in flight over one source.
type Pass struct {
	Source string
	RunID  int64
	Kind   PassKind
	// Resumed is true when the pass was already in flight (started by an
	// earlier command or another process) and this call picked it up.
	Resumed bool
	// Thorough and RecheckOpen say what the pass does besides its kind
	// (see PassOptions).
	Thorough, RecheckOpen bool
	// Since is the lower bound of the pass's listing: a bounded backfill's
	// `--since`, an incremental pass's watermark less the overlap; nil for
	// a pass that lists everything.
	Since *time.Time
}

// covers reports whether the pass does what opts ask for, so that a command
// may take it up rather than wait for it to end and start its own: a pass
// of the kind asked for, as thorough and as rechecking as asked, and for a
// backfill reaching as far back; for an incremental pass, a whole backfill
// too, or a sweep (which lists everything) unless the open conversations
// must be rechecked.
func (p Pass) covers(opts PassOptions) bool {
	recheck := opts.Kind == PassIncremental && opts.RecheckOpenAfter == 0
	switch {
	case !p.Resumed:
		return true
	case opts.Kind == PassBackfill:
		return p.Kind == PassBackfill && (p.Since == nil || (!opts.Since.IsZero() && !p.Since.After(opts.Since)))
	case opts.Kind != PassIncremental:
		return p.Kind == opts.Kind
	case p.Kind == PassBackfill:
		return p.Since == nil
	case p.Kind == PassSweep:
		return !recheck
	}
	return (p.Thorough || !opts.Thorough) && (p.RecheckOpen || !recheck)
}

// PassOptions says what pass to start.
type PassOptions struct {
	Kind PassKind
	// Since bounds a backfill to conversations modified since then; zero
	// reads the whole history.
	Since time.Time
	// RecheckOpenAfter makes an incremental pass also re-read the messages
	// of every open conversation when that was last done longer ago than
	// this (zero: every pass). DevRev does not promise that a new comment
	// bumps its conversation's modification time, so the changed-since
	// listing alone could miss it. A pass that rechecks is thorough too.
	RecheckOpenAfter time.Duration
	// Thorough makes an incremental pass show every change, even where the
	// source's cheap listing could miss some (see
	// fetcher.ConversationQuery.Thorough): `syncer sync`, run to make the
	// mirror exact now, asks for it.
	Thorough bool
}

// StartPass begins a pass over source, or resumes the pass already in flight:
// a source has at most one pass at a time, and a pass interrupted by a crash
// or a failure goes on from its last committed page.
func StartPass(ctx context.Context, d *Deps, client *river.Client[pgx.Tx], source string, opts PassOptions) (Pass, error) {
	kind, since := opts.Kind, opts.Since
	if _, ok := d.Sources[source]; !ok {
		return Pass{}, fmt.Errorf("unknown source %q", source)
	}
	var pass Pass
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		q := dbq.New(tx)
		if err := q.EnsureSyncState(ctx, dbq.EnsureSyncStateParams{Source: source, Stream: StreamConversations}); err != nil {
			return fmt.Errorf("create sync state: %w", err)
		}
		state, err := q.GetSyncStateForUpdate(ctx, dbq.GetSyncStateForUpdateParams{Source: source, Stream: StreamConversations})
		if err != nil {
			return fmt.Errorf("read sync state: %w", err)
		}
		if state.RunID != nil {
			// Resume: make sure the pass's page job exists (it is gone if it
			// failed for good or its process died before committing it).
			pass = Pass{Source: source, RunID: *state.RunID, Kind: PassKind(deref(state.PassKind)), Resumed: true,
				Thorough: state.PassThorough, RecheckOpen: state.PassRecheckOpen, Since: state.PassSince}
		} else {
			var passSince *time.Time
			switch {
			case kind == PassBackfill && !since.IsZero():
				passSince = &since
			case kind == PassIncremental && state.Watermark != nil:
				// A sweep reads everything: it has no lower bound.
				t := state.Watermark.Add(-d.Timings.Overlap)
				passSince = &t
			}
			runID, err := q.CreateRun(ctx, dbq.CreateRunParams{Source: source, Stream: StreamConversations, Kind: string(kind)})
			if err != nil {
				return fmt.Errorf("create run: %w", err)
			}
			kindStr := string(kind)
			recheck := kind == PassIncremental &&
				(state.OpenRecheckedAt == nil || time.Since(*state.OpenRecheckedAt) >= opts.RecheckOpenAfter)
			if err := q.BeginPass(ctx, dbq.BeginPassParams{
				Source: source, Stream: StreamConversations, RunID: &runID, PassKind: &kindStr, PassSince: passSince,
				PassRecheckOpen: recheck, PassThorough: opts.Thorough || recheck,
			}); err != nil {
				return fmt.Errorf("begin pass: %w", err)
			}
			pass = Pass{Source: source, RunID: runID, Kind: kind, Thorough: opts.Thorough || recheck, RecheckOpen: recheck, Since: passSince}
		}
		res, err := client.InsertTx(ctx, tx, ConversationsArgs{Source: source, RunID: pass.RunID}, insertOpts(source, pass.RunID))
		if err != nil {
			return fmt.Errorf("queue first page: %w", err)
		}
		if pass.Resumed && !res.UniqueSkippedAsDuplicate {
			// The pass's page job was lost (its process died, or it failed
			// for good): picked up again, the run is running again. A pass
			// whose page job is still at work (the daemon's next tick) keeps
			// its run as it is, a failure of one of its jobs included.
			if err := q.ResumeRun(ctx, pass.RunID); err != nil {
				return fmt.Errorf("resume run %d: %w", pass.RunID, err)
			}
		}
		return nil
	})
	if err != nil {
		return Pass{}, fmt.Errorf("start %s pass of %s: %w", kind, source, err)
	}
	return pass, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database could not do the work
// at all, for a while, rather than refusing it: the server is unreachable,
// shutting down, starting up or in recovery, or the connection broke. Such
// a call is worth retrying once the server answers again; the work it was
// part of was rolled back (a lost connection aborts its transaction).
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller's own deadline (context errors pass for net.Error too)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", // admin_shutdown: terminating connection due to administrator command
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting up, shutting down, in recovery
			"25006": // read_only_sql_transaction: a standby not yet promoted
			return true
		}
		return len(pgErr.Code) == 5 && pgErr.Code[:2] == "08" // connection_exception
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// Health tracks whether the database answers this process, so that work
// waits through an outage (a failover, a restart) instead of failing, for
// up to Grace. Any call's outcome feeds it (Observe); Watch probes the
// server so that the state is right even when nothing else runs.
type Health struct {
	// Where names the database for messages: host:port/name, no password.
	Where string
	// Grace is how long work waits for the database before giving up; zero
	// gives up at the first failure.
	Grace time.Duration
	// OnChange, when set, hears each change between answering and not,
	// in order, for the log and the metrics. It must not call back into
	// the Health.
	OnChange func(HealthState)

	mu         sync.Mutex
	state      HealthState
	up         chan struct{} // closed when the database answers again
	lastAnswer time.Time     // when a call last succeeded
}

// HealthState is the database's availability at one moment.
type HealthState struct {
	// DownSince is when calls started failing; zero while it answers.
	DownSince time.Time
	// LastError is why the last call failed.
	LastError string
	// UpSince is when the database answered again after an outage; zero
	// if this process saw none.
	UpSince time.Time
}

// RecentlyDown reports whether the database is down, or was within d.
func (s HealthState) RecentlyDown(d time.Duration) bool {
	return !s.Up() || !s.UpSince.IsZero() && time.Since(s.UpSince) < d
}

// Up reports whether the database answered the last call.
func (s HealthState) Up() bool { return s.DownSince.IsZero() }

// OutageError means the database has not answered for longer than the
// grace: the command gives up.
type OutageError struct {
	Where     string
	DownSince time.Time
	LastError string
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("the database %s has been unreachable since %s (%s): %s; giving up (SYNCER_DB_OUTAGE_GRACE)",
		e.Where, e.DownSince.Local().Format(time.TimeOnly), time.Since(e.DownSince).Round(time.Second), e.LastError)
}

// State returns the current state. A nil Health is always up.
func (h *Health) State() HealthState {
	if h == nil {
		return HealthState{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

// Observe records the outcome of a database call and reports whether err
// is an outage (see Unavailable). Other errors say nothing of availability.
func (h *Health) Observe(err error) bool {
	unavailable := Unavailable(err)
	if err == nil || unavailable {
		h.record(err)
	}
	return unavailable
}

// record notes that the database answered (err nil) or did not.
func (h *Health) record(err error) {
	if h == nil {
		return
	}
	h.mu.Lock()
	wasUp := h.state.Up()
	if err == nil {
		h.lastAnswer = time.Now()
	}
	switch {
	case err == nil && !wasUp:
		h.state = HealthState{UpSince: time.Now()}
		if h.up != nil {
			close(h.up)
			h.up = nil
		}
	case err != nil:
		if wasUp {
			h.state.DownSince = time.Now()
		}
		h.state.LastError = oneLine(err)
	}
	// Under the lock, so that changes are heard one at a time, in order.
	if wasUp != h.state.Up() && h.OnChange != nil {
		h.OnChange(h.state)
	}
	h.mu.Unlock()
}

// Exceeded returns an *OutageError when the database has not answered for
// longer than the grace, and nil otherwise.
func (h *Health) Exceeded() error {
	st := h.State()
	if st.Up() || time.Since(st.DownSince) <= h.Grace {
		return nil
	}
	return &OutageError{Where: h.Where, DownSince: st.DownSince, LastError: st.LastError}
}

// Retry runs op until it returns anything but an outage, waiting for the
// database between attempts; past the grace it returns an *OutageError.
// op must be safe to run again after a failure (a transaction, a read).
func (h *Health) Retry(ctx context.Context, op func(context.Context) error) error {
	for {
		err := op(ctx)
		if !h.Observe(err) || ctx.Err() != nil {
			return err
		}
		if exceeded := h.Exceeded(); exceeded != nil {
			return exceeded
		}
		if err := h.wait(ctx, time.Second); err != nil {
			return err
		}
	}
}

// wait returns when the database answers again (as Watch or another call
// sees), after at most d, or when ctx ends.
func (h *Health) wait(ctx context.Context, d time.Duration) error {
	h.mu.Lock()
	if h.state.Up() {
		h.mu.Unlock()
		return nil
	}
	if h.up == nil {
		h.up = make(chan struct{})
	}
	up := h.up
	h.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-up:
	case <-t.C:
	}
	return nil
}

// pingTimeout is how long Watch waits for a ping's answer, and
// silentPings how many pings in a row must go unanswered before the
// database counts as down: a server whose host is gone, or cut off,
// refuses nothing, but one merely slow for a moment must not page anyone.
const (
	pingTimeout = 5 * time.Second
	silentPings = 3
)

// Watch probes the database with ping until ctx ends: every second while
// it does not answer (or the last ping went unanswered), every few seconds
// while it does, so that an outage is seen (and said) within seconds even
// when no other call runs, and its end at once. Pings that get no answer
// (silentPings in a row, no other call answered meanwhile) are an outage
// too: the calls that wait for such a server only time out. So ping must
// not wait for anything but the server (see Pinger): not for a free
// connection of a busy pool.
func (h *Health) Watch(ctx context.Context, ping func(context.Context) error) {
	silent, firstSilent := 0, time.Time{}
	for {
		start := time.Now()
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err := ping(pctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			if silent == 0 {
				firstSilent = start
			}
			silent++
			switch {
			case h.answeredSince(firstSilent):
				// Other calls get answers (the pings wait for a login,
				// say): the database is there.
				silent = 0
			case silent >= silentPings:
				h.record(fmt.Errorf("no answer to %d pings in a row (%s each)", silent, pingTimeout))
			}
		case err == nil:
			silent = 0
			h.Observe(nil)
		default:
			h.Observe(err)
		}
		every := 5 * time.Second
		if silent > 0 || !h.State().Up() {
			every = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// answeredSince reports whether a call succeeded at or after t.
func (h *Health) answeredSince(t time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.lastAnswer.Before(t)
}

// oneLine is the cause of a failed call, as an operator needs it.
func oneLine(err error) string { return cause(err).Error() }

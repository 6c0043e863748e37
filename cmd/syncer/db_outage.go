package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/syncerhq/syncer/db"
)

// outageQuiet passes River's logs on, except its warnings and errors while
// the database is down, in the half minute after (the retries it was
// making end in a last complaint), or that plainly say it is down: River
// retries those by itself, every fetch and completion of every queue, and
// the outage is said once, with its start, by logDatabase. They go at debug.
type outageQuiet struct {
	slog.Handler
	health *db.Health
}

func (h outageQuiet) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && (h.health.State().RecentlyDown(30*time.Second) || mentionsOutage(r)) {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h outageQuiet) WithAttrs(attrs []slog.Attr) slog.Handler {
	return outageQuiet{Handler: h.Handler.WithAttrs(attrs), health: h.health}
}

func (h outageQuiet) WithGroup(name string) slog.Handler {
	return outageQuiet{Handler: h.Handler.WithGroup(name), health: h.health}
}

// mentionsOutage reports whether a River log record says the database is
// unreachable: River logs errors as text.
func mentionsOutage(r slog.Record) bool {
	outageWords := []string{"SQLSTATE 57P0", "SQLSTATE 08", "connection refused", "failed to connect",
		"unexpected EOF", "conn closed", "connection reset", "broken pipe"}
	found := false
	r.Attrs(func(a slog.Attr) bool {
		text := a.Value.String()
		for _, w := range outageWords {
			if strings.Contains(text, w) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// waitOutageExceeded returns the *db.OutageError once the database has not
// answered for longer than its grace, or nil when ctx ends: the daemon
// exits then, for its supervisor to see.
func waitOutageExceeded(ctx context.Context, h *db.Health) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := h.Exceeded(); err != nil {
				return err
			}
		}
	}
}

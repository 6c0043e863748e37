package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
)

// webhookActivity counts the authentic webhook deliveries this process
// received per source since its last heartbeat, which records them for the
// others (status, and the daemon's cadence of polling).
type webhookActivity struct {
	mu  sync.Mutex
	got map[string]webhookCount
}

type webhookCount struct {
	last time.Time
	n    int64
}

// NoteWebhook records an authentic delivery for source.
func (d *Deps) NoteWebhook(source string) {
	d.webhooks.add(source, webhookCount{last: time.Now(), n: 1})
}

// flushWebhooks writes what was received since the last flush. What it
// could not write is kept for the next: a failed heartbeat must not lose
// the count that status and the polling cadence read.
func (d *Deps) flushWebhooks(ctx context.Context) error {
	a := d.webhooks
	a.mu.Lock()
	got := a.got
	a.got = nil
	a.mu.Unlock()
	q := dbq.New(d.Pool)
	for source, c := range got {
		if err := q.RecordWebhookEvents(ctx, dbq.RecordWebhookEventsParams{Source: source, LastEventAt: c.last, Events: c.n}); err != nil {
			for unwritten, count := range got { // for the next flush
				a.add(unwritten, count)
			}
			return fmt.Errorf("record the webhooks of %s: %w", source, err)
		}
		delete(got, source)
	}
	return nil
}

// add adds c to what source received since the last flush.
func (a *webhookActivity) add(source string, c webhookCount) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.got == nil {
		a.got = map[string]webhookCount{}
	}
	was := a.got[source]
	if was.last.After(c.last) {
		c.last = was.last
	}
	a.got[source] = webhookCount{last: c.last, n: was.n + c.n}
}

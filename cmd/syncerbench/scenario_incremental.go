package main

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/db/dbq"
)

// incrementalResult is the cost of `syncer sync` over the main backfill's
// mirror: once with nothing changed, once after 1% of the conversations
// changed, and once more as the periodic recheck of open conversations.
type incrementalResult struct {
	Conversations int `json:"conversations"`
	// OpenConversations are not resolved or closed: incremental passes
	// re-read their messages every SYNCER_OPEN_RECHECK_INTERVAL, because
	// DevRev does not promise that a new comment bumps its conversation's
	// modified_date.
	OpenConversations int64      `json:"open_conversations"`
	Unchanged         passResult `json:"unchanged"`
	// Recheck is `syncer sync --recheck-open` with nothing changed: what
	// the pass costs when the recheck is due.
	Recheck passResult `json:"recheck"`
	// CommentsAdded conversations got a comment; ConversationsEdited of them
	// also got a new title.
	CommentsAdded       int        `json:"comments_added"`
	ConversationsEdited int        `json:"conversations_edited"`
	Changed             passResult `json:"changed"`
	// ExtraRequestsPerChange is what the changes cost on top of the
	// nothing-changed pass, per changed conversation.
	ExtraRequestsPerChange float64 `json:"extra_requests_per_change"`
	Exact                  bool    `json:"exact"`
}

// commentEvery and editEvery pick the changed conversations: one in 100 gets
// a comment, one in 500 also a new title.
const (
	commentEvery = 100
	editEvery    = 500
)

// incrementalScenario runs `syncer sync` twice on the main mirror.
func (b *bench) incrementalScenario(ctx context.Context, m *mirror) (*incrementalResult, error) {
	res := &incrementalResult{Conversations: m.Conversations}
	var err error
	if res.OpenConversations, err = openConversations(ctx, m); err != nil {
		return res, err
	}

	b.progressf("incremental: syncer sync with nothing changed")
	if res.Unchanged, err = b.runPass(ctx, m, passSpec{Label: "incremental-unchanged", Command: "sync", Processes: 1, Workers: b.opts.Workers}); err != nil {
		return res, err
	}
	b.progressf("incremental: %d requests in %.2fs", res.Unchanged.Requests, res.Unchanged.Seconds)

	res.CommentsAdded, res.ConversationsEdited = changeOnePercent(m)
	b.progressf("incremental: syncer sync after %d comments added and %d titles edited", res.CommentsAdded, res.ConversationsEdited)
	if res.Changed, err = b.runPass(ctx, m, passSpec{Label: "incremental-changed", Command: "sync", Processes: 1, Workers: b.opts.Workers}); err != nil {
		return res, err
	}
	b.progressf("incremental: %d requests in %.2fs", res.Changed.Requests, res.Changed.Seconds)
	if res.CommentsAdded > 0 {
		res.ExtraRequestsPerChange = float64(res.Changed.Requests-res.Unchanged.Requests) / float64(res.CommentsAdded)
	}
	if err := b.checkExact(ctx, m, "incremental"); err != nil {
		return res, err
	}

	b.progressf("incremental: syncer sync --recheck-open (the periodic re-read of open conversations)")
	if res.Recheck, err = b.runPass(ctx, m, passSpec{Label: "incremental-recheck", Command: "sync", Args: []string{"--recheck-open"}, Processes: 1, Workers: b.opts.Workers}); err != nil {
		return res, err
	}
	b.progressf("incremental: %d requests in %.2fs", res.Recheck.Requests, res.Recheck.Seconds)
	if err := b.checkExact(ctx, m, "incremental recheck"); err != nil {
		return res, err
	}
	res.Exact = true
	return res, nil
}

// changeOnePercent adds a comment to 1% of the conversations, spread over
// the whole history (old and closed ones too), and edits the title of a
// fifth of those.
func changeOnePercent(m *mirror) (comments, edits int) {
	snap := m.DevRev.Snapshot()
	for i, c := range snap.Conversations {
		if i%commentEvery != 0 {
			continue
		}
		m.DevRev.AddComment(c.ID, "Any update on this?", "external")
		comments++
		if i%editEvery == 0 {
			m.DevRev.EditConversation(c.ID, c.Title+" (follow-up)")
			edits++
		}
	}
	return comments, edits
}

// openConversations counts the mirrored conversations that are neither
// resolved nor closed.
func openConversations(ctx context.Context, m *mirror) (int64, error) {
	rows, err := dbq.New(m.DB.Pool).ConversationsByStatus(ctx, m.Source())
	if err != nil {
		return 0, fmt.Errorf("count conversations by status: %w", err)
	}
	var n int64
	for _, r := range rows {
		if r.Status != "resolved" && r.Status != "closed" {
			n += r.Conversations
		}
	}
	return n, nil
}

package main

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// backfillResult is a `syncer backfill` with the defaults, from a fake API
// with no latency and no limit: syncer's own cost.
type backfillResult struct {
	Conversations int              `json:"conversations"`
	Messages      int64            `json:"messages"` // rows in the messages table
	Rows          map[string]int64 `json:"rows"`     // per table, as `syncer status` counts them
	Pass          passResult       `json:"pass"`
	// ConversationsPerSec and MessagesPerSec are over the wall time of the
	// process, start-up included, as a user sees it.
	ConversationsPerSec     float64 `json:"conversations_per_sec"`
	MessagesPerSec          float64 `json:"messages_per_sec"`
	RequestsPerConversation float64 `json:"requests_per_conversation"`
	Exact                   bool    `json:"exact"`
	// Writes is PostgreSQL's count of the work in the database: migrations
	// and the backfill (the database is fresh).
	Writes writeStats `json:"writes"`
	// MirrorRows is the rows in the mirrored tables.
	MirrorRows int64 `json:"mirror_rows"`
}

// backfillScenario mirrors size conversations with `syncer backfill` and
// checks the mirror. It returns the mirror for the scenarios that build on
// it; the caller closes it.
func (b *bench) backfillScenario(ctx context.Context) (*mirror, *backfillResult, error) {
	m, err := b.newMirror(ctx, "backfill", b.opts.Size, devrevtest.Options{})
	if err != nil {
		return nil, nil, err
	}
	res, err := b.measureBackfill(ctx, m, passSpec{Label: "backfill", Processes: 1, Workers: b.opts.Workers})
	return m, res, err
}

// measureBackfill runs `syncer backfill` on m as spec says, checks the
// mirror and counts what landed.
func (b *bench) measureBackfill(ctx context.Context, m *mirror, spec passSpec) (*backfillResult, error) {
	spec.Command = "backfill"
	label := spec.Label
	how := "1 process"
	switch {
	case spec.Processes > 1 && spec.Join:
		how = fmt.Sprintf("%d processes, the others joining the first's pass", spec.Processes)
	case spec.Processes > 1:
		how = fmt.Sprintf("%d processes at once", spec.Processes)
	}
	b.progressf("%s: syncer backfill of %d conversations (%s, workers %s)",
		label, m.Conversations, how, workersName(spec.Workers))
	pass, err := b.runPass(ctx, m, spec)
	if err != nil {
		return nil, err
	}
	res := &backfillResult{Conversations: m.Conversations, Pass: pass}
	if res.Rows, err = rowCounts(ctx, m.DB.Pool, m.Source()); err != nil {
		return res, err
	}
	res.Messages = res.Rows["messages"]
	if res.Writes, err = readWriteStats(ctx, m.DB.Pool); err != nil {
		return res, err
	}
	if res.MirrorRows, err = countMirrorRows(ctx, m.DB.Pool); err != nil {
		return res, err
	}
	res.ConversationsPerSec = float64(res.Conversations) / pass.Seconds
	res.MessagesPerSec = float64(res.Messages) / pass.Seconds
	res.RequestsPerConversation = float64(pass.Requests) / float64(res.Conversations)
	b.progressf("%s: %d conversations, %d messages in %.1fs (%.0f conv/s), %d requests, peak RSS %s",
		label, res.Conversations, res.Messages, pass.Seconds, res.ConversationsPerSec, pass.Requests, megabytes(pass.PeakRSSBytes))
	if err := b.checkExact(ctx, m, label); err != nil {
		return res, err
	}
	res.Exact = true
	return res, nil
}

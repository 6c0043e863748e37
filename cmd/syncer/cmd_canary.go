package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/devrev"
)

// canaryCommand proves the whole pipeline end to end in production: it creates a
// marked conversation at the source, waits until the running daemon has
// mirrored it and its first message, reports the lag, and deletes it again.
func canaryCommand() command {
	var source string
	var timeout time.Duration
	return command{
		name:     "canary",
		synopsis: "--source NAME [--timeout 5m]",
		summary:  "create a marked DevRev conversation, wait until the\nrunning daemon mirrors it, print the lag, delete it",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.StringVar(&source, "source", "", "the DevRev source to test (required)")
			fs.DurationVar(&timeout, "timeout", 5*time.Minute, "how long the daemon gets to mirror the canary")
		},
		required: []string{"source"},
		needs:    openMirrorSource,
		run:      func(ctx context.Context, e env, a *app) error { return canary(ctx, e, a, source, timeout) },
	}
}

// canary runs the canary against one DevRev source.
func canary(ctx context.Context, e env, a *app, source string, timeout time.Duration) error {
	src, known := a.deps.Sources[source]
	if !known {
		return usageError{fmt.Errorf("unknown source %q (configured: %s)", source, strings.Join(slices.Sorted(maps.Keys(a.deps.Sources)), ", "))}
	}
	client, ok := src.(*devrev.Client)
	if !ok {
		return usageError{fmt.Errorf("source %q: the canary works with DevRev sources", source)}
	}

	marker := canaryMarker()
	body := "Canary message " + marker + ": this conversation checks that syncer mirrors DevRev; it is deleted right away."
	created := time.Now()
	id, err := client.CreateConversation(ctx, "[syncer canary] "+marker, "Created by syncer canary; deleted when the check ends.", body)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "canary: created %s; waiting for the daemon to mirror it (up to %s)\n", id, timeout)
	// The canary is deleted whatever happens, even on Ctrl-C.
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := client.DeleteConversation(dctx, id); err != nil {
			fmt.Fprintf(e.stderr, "canary: could not delete %s: %v\n", id, err)
			return
		}
		fmt.Fprintf(e.stderr, "canary: deleted %s\n", id)
	}()

	q := dbq.New(a.pool)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var conversationLag time.Duration
	for {
		landed, err := q.CanaryLanded(ctx, dbq.CanaryLandedParams{Source: source, ConversationID: id, Body: &body})
		if err != nil {
			return fmt.Errorf("read the mirror: %w", err)
		}
		if landed.Conversation && conversationLag == 0 {
			conversationLag = time.Since(created)
		}
		if landed.Conversation && landed.FirstMessage {
			lag := time.Since(created)
			fmt.Fprintf(e.stdout, "canary: mirrored end to end in %s (conversation after %s, first message after %s)\n",
				lag.Round(time.Millisecond), conversationLag.Round(time.Millisecond), lag.Round(time.Millisecond))
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("interrupted")
		case <-deadline.C:
			return fmt.Errorf("the canary conversation %s did not appear in the mirror within %s (conversation seen: %v): is 'syncer run' running for source %s?",
				id, timeout, landed.Conversation, source)
		case <-tick.C:
		}
	}
}

func canaryMarker() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Command syncerbench measures syncer against the physical limits: it mirrors
// a generated DevRev workspace, served by the project's fake API on loopback,
// through the real `syncer` binary run as a child process (so that its peak
// RSS is its own), and compares the backfill with a plain COPY of the same
// rows into the same tables. It prints one table per scenario on stdout
// (--json for machine-readable results) and progress on stderr. It exits 1 if
// a mirror is not exact, 2 on bad usage.
//
//	go run ./cmd/syncerbench                 # every scenario, 20,000 conversations
//	go run ./cmd/syncerbench --quick         # every scenario, 2,000 conversations
//	go run ./cmd/syncerbench --scenario backfill,copy --json-file out.json
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // a mirror is not exact, or a scenario could not run
	exitUsage   = 2
	exitAborted = 130
)

func main() {
	if _, ok := os.LookupEnv(launcherEnv); ok {
		os.Exit(launch(os.Args[1:]))
	}
	// The fake API shares the machine with what it measures: collecting
	// less often (as syncer does, see its main) leaves more CPU to syncer and
	// PostgreSQL.
	debug.SetGCPercent(400)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	opts, err := parseOptions(args, stderr, lookup)
	if err != nil {
		if errors.Is(err, errHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "syncerbench: %v\n", err)
		return exitUsage
	}
	b, err := newBench(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "syncerbench: %v\n", err)
		return exitFailed
	}
	res, runErr := b.runAll(ctx)
	b.close()

	if err := writeResults(stdout, opts, res); err != nil {
		fmt.Fprintf(stderr, "syncerbench: %v\n", err)
		return exitFailed
	}
	switch {
	case runErr != nil && ctx.Err() != nil:
		fmt.Fprintln(stderr, "syncerbench: interrupted")
		return exitAborted
	case errors.Is(runErr, errNotExact):
		fmt.Fprintf(stderr, "syncerbench: FAILED, the mirror is not exact: %v\n", runErr)
		return exitFailed
	case runErr != nil:
		fmt.Fprintf(stderr, "syncerbench: %v\n", runErr)
		return exitFailed
	}
	return exitOK
}

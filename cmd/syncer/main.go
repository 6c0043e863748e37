// Command syncer mirrors customer-support conversations from help-desk APIs
// into PostgreSQL. See README.md for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

// Exit codes, a contract with scripts.
const (
	exitOK     = 0
	exitFailed = 1 // the sync (or command) failed
	exitUsage  = 2 // bad usage or configuration
)

// usageHead and usageTail frame the commands in `syncer --help`.
const (
	usageHead = "syncer mirrors help-desk conversations into PostgreSQL.\n\nUsage:\n"
	usageTail = `
Run 'syncer COMMAND -h' for a command's flags, the shared ones (--config, --database-url,
--log-level, --log-format) included.
Configuration: flags, then environment (DATABASE_URL, DEVREV_TOKEN, …), then --config FILE.
Exit codes: 0 done, 1 the sync failed, 2 bad usage or configuration.
`
)

// usage lists every command with its own flags.
func usage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	for _, c := range commands() {
		line := "  syncer " + c.name
		if c.synopsis != "" {
			line += " " + c.synopsis
		}
		summary := strings.Split(c.summary, "\n")
		if len(line) > 36 {
			fmt.Fprintf(&b, "%s\n%37s", line, "")
		} else {
			fmt.Fprintf(&b, "%-37s", line)
		}
		b.WriteString(strings.Join(summary, "\n"+strings.Repeat(" ", 37)) + "\n")
	}
	b.WriteString(usageTail)
	return b.String()
}

// commands are syncer's commands, in the order the usage lists them.
func commands() []command {
	return []command{
		migrateCommand(), runCommand(), backfillCommand(), syncCommand(),
		statusCommand(), demoCommand(), canaryCommand(), webhooksRegisterCommand(), webhooksListCommand(),
	}
}

// usageError is a mistake in the command line or configuration: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal starts a graceful stop; a second one ends the
		// process at once, as without a handler.
		<-ctx.Done()
		stop()
	}()
	tuneGC(os.LookupEnv)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// Garbage collection defaults, each unless the environment sets its own
// (GOGC, GOMEMLIMIT). syncer's live heap is small (tens of MB) while decoding
// pages allocates fast, so Go's default GOGC of 100 collects several times a
// second during a backfill. 200 halves that work for a peak RSS that stays
// near 60 MB and flat with history (syncerbench; 400 saved a little more CPU
// but let the peak wander between 70 and 95 MB). The soft memory limit keeps
// the headroom from growing the process past about 200 MB when a pass holds
// more at once (a recheck of thousands of open conversations, say): near it,
// Go collects more often instead.
const (
	defaultGCPercent   = 200
	defaultMemoryLimit = 160 << 20
)

func tuneGC(lookup func(string) (string, bool)) {
	if _, ok := lookup("GOGC"); !ok {
		debug.SetGCPercent(defaultGCPercent)
	}
	if _, ok := lookup("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// env is what a command sees of the outside world.
type env struct {
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	e := env{stdout: stdout, stderr: stderr, lookup: lookup}
	if len(args) == 0 {
		// A usage error: its explanation goes where errors go.
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	if args[0] == "webhooks" {
		if len(args) == 1 || strings.HasPrefix(args[1], "-") {
			return webhooksUsage(stdout, stderr, len(args) > 1 && isHelp(args[1]))
		}
		args = append([]string{"webhooks " + args[1]}, args[2:]...)
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "syncer: unknown command %q (see 'syncer --help')\n", args[0])
		return exitUsage
	}
	err := cmd.execute(ctx, e, args[1:])
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "syncer %s: %v\n", args[0], err)
	var uerr usageError
	if asUsage(err, &uerr) {
		return exitUsage
	}
	return exitFailed
}

// webhooksUsage lists the webhooks commands: for `syncer webhooks -h`, or a
// bare `syncer webhooks`, which is a usage mistake.
func webhooksUsage(stdout, stderr io.Writer, help bool) int {
	w, code := stderr, exitUsage
	if help {
		w, code = stdout, exitOK
	}
	fmt.Fprintln(w, "Usage:")
	for _, c := range commands() {
		if strings.HasPrefix(c.name, "webhooks ") {
			fmt.Fprintf(w, "  syncer %s %s\n", c.name, c.synopsis)
		}
	}
	return code
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
)

// TestEveryCommandHasHelp: `syncer COMMAND -h` prints the command's flags on
// stdout and succeeds, before anything is configured or opened; a flag the
// command does not have is a usage error.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	noEnv := func(string) (string, bool) { return "", false }
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{c.name, "-h"}, &stdout, &stderr, noEnv)
			require.Equal(t, exitOK, code, stderr.String())
			require.Contains(t, stdout.String(), "Usage: syncer "+c.name)
			require.Contains(t, stdout.String(), "-database-url", "the shared flags are listed too")

			stdout.Reset()
			stderr.Reset()
			code = run(t.Context(), []string{c.name, "--no-such-flag"}, &stdout, &stderr, noEnv)
			require.Equal(t, exitUsage, code)
			require.True(t, strings.Contains(stderr.String(), "no-such-flag"), stderr.String())
		})
	}
}

// TestHelpListsWhatEachCommandTakes: a command's help lists the flags it
// uses and no other; the top-level help names every command's own flags.
func TestHelpListsWhatEachCommandTakes(t *testing.T) {
	t.Parallel()
	noEnv := func(string) (string, bool) { return "", false }
	help := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, run(t.Context(), args, &stdout, &stderr, noEnv), stderr.String())
		return stdout.String()
	}
	for _, name := range []string{"migrate", "status", "demo", "canary"} {
		out := help(name, "-h")
		require.NotContains(t, out, "-workers", name)
		require.NotContains(t, out, "-interval", name)
	}
	require.Contains(t, help("run", "-h"), "-interval")
	require.Contains(t, help("run", "-h"), "-workers")
	require.Contains(t, help("backfill", "-h"), "-workers")
	top := help("--help")
	for _, flag := range []string{"--down", "--stop", "--conversations", "--shutdown-grace", "--since", "--sweep", "--recheck-open", "--json", "--timeout"} {
		require.Contains(t, top, flag)
	}
}

// TestGroupHelpAndImpossibleFlags: `syncer webhooks -h` lists the webhooks
// commands and succeeds; a bare `syncer` or `syncer webhooks` is a usage
// error, its usage on stderr, and so is `sync --sweep --recheck-open`, whose
// recheck a sweep would not do.
func TestGroupHelpAndImpossibleFlags(t *testing.T) {
	t.Parallel()
	noEnv := func(string) (string, bool) { return "", false }
	call := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, &stdout, &stderr, noEnv)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := call()
	require.Equal(t, exitUsage, code, "a bare syncer is a usage error")
	require.Empty(t, out)
	require.Contains(t, errOut, "Usage:")
	code, out, _ = call("webhooks", "-h")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "syncer webhooks register --source NAME --url URL")
	code, _, errOut = call("webhooks")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "syncer webhooks list")
	for args, want := range map[string]string{
		"webhooks register --source x": "syncer webhooks register: --url is required\n",
		"webhooks register":            "syncer webhooks register: --source and --url are required\n",
		"webhooks list":                "syncer webhooks list: --source is required\n",
		"sync --workers 0":             `invalid value "0" for flag -workers`,
		"run --interval 0s":            `invalid value "0s" for flag -interval`,
	} {
		code, _, errOut = call(strings.Fields(args)...)
		require.Equal(t, exitUsage, code, args)
		require.Contains(t, errOut, want, args)
	}

	env := func(k string) (string, bool) {
		v, ok := map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/none", "DEVREV_TOKEN": "t"}[k]
		return v, ok
	}
	var stdout, stderr bytes.Buffer
	code = run(t.Context(), []string{"sync", "--sweep", "--recheck-open"}, &stdout, &stderr, env)
	require.Equal(t, exitUsage, code, stderr.String())
	require.Contains(t, stderr.String(), "--recheck-open goes with an incremental pass, not with --sweep")
}

// TestStatusSaysARunWithNoJobLeftStopped: a run is running while it has
// jobs; one that never finished and has none left (an interrupted command,
// jobs cancelled in River UI) is stopped, and its pass resumes; a run's own
// end stands.
func TestStatusSaysARunWithNoJobLeftStopped(t *testing.T) {
	t.Parallel()
	run := dbq.SyncRun{ID: 1, Kind: "backfill", Status: "running"}
	require.Equal(t, "running", newRunStatus(run, 3).Status)
	stopped := newRunStatus(run, 0)
	require.Equal(t, "stopped", stopped.Status)
	require.Equal(t, "failed", newRunStatus(dbq.SyncRun{Status: "failed"}, 0).Status)
	require.Equal(t, "running", newRunStatus(dbq.SyncRun{Status: "succeeded"}, 1).Status, "until its last job ends")

	var out bytes.Buffer
	inFlight := int64(1)
	printStreams(&out, []streamStatus{{Source: "devrev", Stream: "conversations", PassInFlight: &inFlight, LastRun: stopped}})
	require.Contains(t, out.String(), "stopped, resumes")
}

// TestProgressSaysEachStateOnce: outside a terminal, progress lines are
// written one after another, and lines that say what the last ones said
// (the final lines, often, right after a periodic print) are not written
// again; on a terminal they are redrawn in place.
func TestProgressSaysEachStateOnce(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := &progressPrinter{a: &app{stderr: &out}}
	p.emit([]string{"s backfill: 1 pages, 2s"})
	p.emit([]string{"s backfill: 1 pages, 2s"})
	p.emit([]string{"s backfill: 2 pages, 2s"})
	require.Equal(t, "s backfill: 1 pages, 2s\ns backfill: 2 pages, 2s\n", out.String())

	out.Reset()
	p = &progressPrinter{a: &app{stderr: &out}, terminal: true}
	p.emit([]string{"s backfill: 1 pages, 2s"})
	p.emit([]string{"s backfill: 1 pages, 2s"})
	require.Equal(t, "\r\033[Ks backfill: 1 pages, 2s\n\033[1A\r\033[Ks backfill: 1 pages, 2s\n", out.String())
}

// TestStatusCutsErrorsBetweenCharacters: the status table's error column is
// cut after 80 characters, never inside one.
func TestStatusCutsErrorsBetweenCharacters(t *testing.T) {
	t.Parallel()
	require.Equal(t, "short", truncate("short", 80))
	long := strings.Repeat("é", 100)
	require.Equal(t, strings.Repeat("é", 80)+"…", truncate(long, 80))
}

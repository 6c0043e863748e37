package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// launcherEnv, when set, makes this binary a launcher: it runs the command
// in its arguments, forwards SIGINT and SIGTERM to it, writes the command's
// peak RSS in bytes and CPU time in nanoseconds to file descriptor 3 and
// exits with its exit code.
//
// Why a launcher: on Linux, a process's ru_maxrss starts at the peak RSS of
// the memory it replaced at exec. Go starts children with vfork, sharing the
// parent's memory until exec, so a syncer started directly by the bench
// would report at least the bench's own peak (the generated workspace, the
// rows read for COPY). The launcher is small, so what its child reports is
// the child's own (above a floor of about 10 MB, the launcher's size).
const launcherEnv = "SYNCERBENCH_LAUNCHER"

// launch runs args[0] with args[1:] as the launcher and returns the exit
// code.
func launch(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "syncerbench launcher: no command")
		return exitUsage
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, launcherEnv+"=") })
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "syncerbench launcher: %v\n", err)
		return exitFailed
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(signals)
	if report := os.NewFile(3, "usage"); report != nil && cmd.ProcessState != nil {
		ps := cmd.ProcessState
		fmt.Fprintf(report, "%d %d\n", maxRSS(ps), int64(ps.UserTime()+ps.SystemTime()))
		report.Close()
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return exitErr.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "syncerbench launcher: %v\n", err)
		return exitFailed
	}
}

// readUsageReport parses what a launcher wrote on its descriptor 3; zeros
// when it wrote nothing (it could not start the command).
func readUsageReport(r io.Reader) (maxRSS int64, cpu time.Duration) {
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, 0
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 {
		return 0, 0
	}
	maxRSS, _ = strconv.ParseInt(fields[0], 10, 64)
	ns, _ := strconv.ParseInt(fields[1], 10, 64)
	return maxRSS, time.Duration(ns)
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// buildSyncer builds the real CLI into dir, from the module root, so that
// every scenario runs exactly what a user runs.
func buildSyncer(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the syncer module (go env GOMOD is %q): run from the repository", gomod)
	}
	bin := filepath.Join(dir, "syncer")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/syncer")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/syncer: %w\n%s", err, out)
	}
	return bin, nil
}

// childEnv is the whole environment of a syncer child. It is built from
// scratch, not inherited, so that a token or SYNCER_* setting of the person
// running the bench cannot change what is measured.
type childEnv struct {
	DatabaseURL string
	// Source is the environment that enables the source (its URL, token…).
	Source []string
	// Workers sets SYNCER_WORKERS; 0 leaves the default a user gets.
	Workers int
}

func (e childEnv) list() []string {
	env := append([]string{
		"DATABASE_URL=" + e.DatabaseURL,
		"SYNCER_LOG_FORMAT=json",
		"SYNCER_LOG_LEVEL=info",
		gcTraceEnv,
	}, e.Source...)
	if e.Workers > 0 {
		env = append(env, "SYNCER_WORKERS="+strconv.Itoa(e.Workers))
	}
	for _, name := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// runner starts syncer children through the launcher (see launcherEnv).
type runner struct {
	self   string // this binary, run as the launcher
	bin    string // the syncer binary
	logDir string
}

// child is a running syncer process.
type child struct {
	cmd     *exec.Cmd
	label   string
	logPath string
	log     *os.File
	usage   *os.File // the read end of the launcher's report
}

// childRun is what one finished syncer process cost.
type childRun struct {
	// MaxRSS is the process's peak resident set size in bytes (0 where the
	// OS does not report it).
	MaxRSS int64
	// CPU is the user and system time the process used.
	CPU time.Duration
	// PeakLiveHeap is the largest Go heap that survived a collection, in
	// bytes (see peakLiveHeap).
	PeakLiveHeap int64
}

// start starts `syncer args…` with env; its stdout and stderr (JSON logs
// and progress) go to a file in the log directory named after label.
func (r runner) start(ctx context.Context, label string, env childEnv, args ...string) (*child, error) {
	logPath := filepath.Join(r.logDir, label+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create child log: %w", err)
	}
	usageRead, usageWrite, err := os.Pipe()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create usage pipe: %w", err)
	}
	cmd := exec.CommandContext(ctx, r.self, append([]string{r.bin}, args...)...)
	cmd.Env = append(env.list(), launcherEnv+"=1")
	cmd.Stdout, cmd.Stderr = f, f
	cmd.ExtraFiles = []*os.File{usageWrite} // descriptor 3 in the launcher
	// On cancel, an interrupt lets syncer finish its page; WaitDelay bounds
	// how long that may take.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	c := &child{cmd: cmd, label: label, logPath: logPath, log: f, usage: usageRead}
	err = cmd.Start()
	usageWrite.Close() // the launcher holds its own copy
	if err != nil {
		f.Close()
		usageRead.Close()
		return nil, fmt.Errorf("start syncer %s: %w", strings.Join(args, " "), err)
	}
	return c, nil
}

// wait waits for the child and returns what it cost; a non-zero exit is an
// error that carries the end of its log.
func (c *child) wait() (childRun, error) {
	err := c.cmd.Wait()
	var run childRun
	run.MaxRSS, run.CPU = readUsageReport(c.usage)
	c.usage.Close()
	c.log.Close()
	run.PeakLiveHeap = peakLiveHeap(c.logPath)
	if err != nil {
		tail := tailLines(c.logPath, 15)
		return run, fmt.Errorf("%s: syncer %s: %w: %s\nend of %s:\n  %s",
			c.label, strings.Join(c.cmd.Args[2:], " "), err, tail[len(tail)-1], c.logPath, strings.Join(tail, "\n  "))
	}
	return run, nil
}

// run runs one syncer command to completion.
func (r runner) run(ctx context.Context, label string, env childEnv, args ...string) (childRun, error) {
	c, err := r.start(ctx, label, env, args...)
	if err != nil {
		return childRun{}, err
	}
	return c.wait()
}

// tailLines returns the last n lines of a file (at least one), for error
// messages, gctrace lines left out.
func tailLines(path string, n int) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{"(log unreadable: " + err.Error() + ")"}
	}
	lines := slices.DeleteFunc(strings.Split(string(data), "\n"), func(l string) bool {
		return strings.TrimSpace(l) == "" || isGCTrace(l)
	})
	if len(lines) == 0 {
		return []string{"(empty log)"}
	}
	return lines[max(0, len(lines)-n):]
}

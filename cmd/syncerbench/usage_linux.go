//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// maxRSS is a finished process's peak resident set size in bytes. Linux's
// getrusage reports it in KiB.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return ru.Maxrss * 1024
}

// selfCPU is the CPU time this process (the fake API, mostly) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the machine's 1, 5 and 15-minute load averages, to say how
// quiet it was.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := bytes.Fields(data)
	if len(f) < 3 {
		return ""
	}
	return string(bytes.Join(f[:3], []byte(" ")))
}

// userHZ is the unit of /proc/stat, fixed by the kernel's ABI.
const userHZ = 100

// machineCPU returns the CPU time the whole machine has spent busy and in
// total (busy + idle, over every core) since boot, from /proc/stat.
func machineCPU() (busy, total time.Duration, err error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 5 || string(fields[0]) != "cpu" {
		return 0, 0, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	var ticks [10]int64
	for i, f := range fields[1:min(len(fields), 11)] {
		if ticks[i], err = strconv.ParseInt(string(f), 10, 64); err != nil {
			return 0, 0, fmt.Errorf("parse /proc/stat: %w", err)
		}
	}
	// user nice system idle iowait irq softirq steal guest guest_nice; guest
	// time is already counted in user.
	idle := ticks[3] + ticks[4]
	all := ticks[0] + ticks[1] + ticks[2] + ticks[3] + ticks[4] + ticks[5] + ticks[6] + ticks[7]
	tick := time.Second / userHZ
	return time.Duration(all-idle) * tick, time.Duration(all) * tick, nil
}

// postgresCPU is the CPU time used by the machine's PostgreSQL processes:
// the live ones, and through the postmaster's reaped-children counters, the
// backends that have exited (a syncer's connections close when it exits).
// It counts the whole server, other databases' work included.
func postgresCPU() (time.Duration, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	procs := map[int64]procStat{}
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the process has exited
		}
		if p, ok := parseProcStat(data); ok && p.comm == "postgres" {
			procs[p.pid] = p
		}
	}
	var ticks int64
	for _, p := range procs {
		ticks += p.utime + p.stime
		if _, child := procs[p.ppid]; !child {
			ticks += p.cutime + p.cstime // the postmaster
		}
	}
	return time.Duration(ticks) * (time.Second / userHZ), nil
}

type procStat struct {
	pid, ppid                    int64
	comm                         string
	utime, stime, cutime, cstime int64
}

// parseProcStat reads the fields of /proc/<pid>/stat that postgresCPU
// needs. The command name is in parentheses and may hold spaces, so the
// fields are counted from its closing parenthesis.
func parseProcStat(data []byte) (procStat, bool) {
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	p := procStat{comm: string(data[open+1 : end])}
	p.pid, _ = strconv.ParseInt(string(bytes.TrimSpace(data[:open])), 10, 64)
	// After the name: state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime …
	f := bytes.Fields(data[end+1:])
	if len(f) < 15 {
		return procStat{}, false
	}
	num := func(i int) int64 { n, _ := strconv.ParseInt(string(f[i]), 10, 64); return n }
	p.ppid, p.utime, p.stime, p.cutime, p.cstime = num(1), num(11), num(12), num(13), num(14)
	return p, true
}

// processCPU is the CPU time a live process has used so far.
func processCPU(pid int64) (time.Duration, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.FormatInt(pid, 10), "stat"))
	if err != nil {
		return 0, false
	}
	p, ok := parseProcStat(data)
	if !ok {
		return 0, false
	}
	return time.Duration(p.utime+p.stime) * (time.Second / userHZ), true
}

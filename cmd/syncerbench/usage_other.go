//go:build !linux

package main

import (
	"errors"
	"os"
	"time"
)

// The resource figures are meant for Linux: elsewhere ru_maxrss has another
// unit (bytes on macOS) and there is no /proc/stat, so they are reported as
// unknown.

func maxRSS(*os.ProcessState) int64 { return 0 }

func selfCPU() time.Duration { return 0 }

func loadAverage() string { return "" }

func machineCPU() (busy, total time.Duration, err error) {
	return 0, 0, errors.New("machine CPU time is only read on Linux")
}

func postgresCPU() (time.Duration, error) {
	return 0, errors.New("PostgreSQL CPU time is only read on Linux")
}

func processCPU(int64) (time.Duration, bool) { return 0, false }

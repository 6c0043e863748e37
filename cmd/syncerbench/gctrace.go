package main

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
)

// gcTraceEnv makes a Go child print one line per garbage collection
// (GODEBUG=gctrace=1) to its log, from which peakLiveHeap reads the heap that
// survived each collection: what the process holds, as opposed to its RSS,
// which also counts garbage not yet collected and memory the runtime has
// not returned to the OS.
const gcTraceEnv = "GODEBUG=gctrace=1"

// gcHeapSizes matches a gctrace line's heap sizes: at the start of the
// collection, at its end, and live after it ("7->8->3 MB").
var gcHeapSizes = regexp.MustCompile(`^gc \d+ .* (\d+)->(\d+)->(\d+) MB`) //nolint:gochecknoglobals // compiled once

// peakLiveHeap returns the largest live heap after a collection in the log
// at path, in bytes (gctrace counts whole MiB, rounded down), and 0 when the
// log has no gctrace line or cannot be read to the end.
func peakLiveHeap(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var peak int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := gcHeapSizes.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		if mb, err := strconv.ParseInt(string(m[3]), 10, 64); err == nil {
			peak = max(peak, mb<<20)
		}
	}
	if sc.Err() != nil {
		return 0 // a line too long to read: better no figure than a wrong one
	}
	return peak
}

// isGCTrace reports whether a log line is a gctrace line.
func isGCTrace(line string) bool { return gcHeapSizes.MatchString(line) }

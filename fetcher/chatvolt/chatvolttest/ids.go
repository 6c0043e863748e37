package chatvolttest

import (
	"strconv"
	"strings"
	"time"
)

// newID returns a fresh cuid-like id: "c", the creation time in base 36 (as
// cuid v1 does, so ids look real and start with "cl"/"cm"), then 16 characters
// derived from a sequence number. mix is a bijection, so distinct sequence
// numbers give distinct ids; the time part only adds realism.
func (w *Workspace) newID(at time.Time) string {
	w.seq++
	n := uint64(w.seq)
	var b strings.Builder
	b.Grow(25)
	b.WriteByte('c')
	b.WriteString(base36(uint64(max(0, at.UnixMilli())), 8))
	b.WriteString(base36(mix(n), 13))
	b.WriteString(base36(mix(n^0x9e3779b9)%(36*36*36), 3))
	return b.String()
}

// base36 renders v in lowercase base 36, zero-padded to at least width.
func base36(v uint64, width int) string {
	s := strconv.FormatUint(v, 36)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// mix is a 64-bit finalizer (splitmix64): a bijection that scatters its input,
// so per-object choices need no stored RNG state.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// hashString is FNV-1a, for deciding things from an id.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

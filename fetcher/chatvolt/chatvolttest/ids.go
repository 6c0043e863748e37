package chatvolttest

import (
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
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
	b.WriteString(base36(fakeapi.Mix(n), 13))
	b.WriteString(base36(fakeapi.Mix(n^0x9e3779b9)%(36*36*36), 3))
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

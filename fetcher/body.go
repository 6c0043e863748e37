package fetcher

import (
	"errors"
	"io"
)

// maxPreallocatedBody bounds what readBody allocates on the word of a
// Content-Length header alone, so that a server announcing a huge body and
// sending nothing costs nothing.
const maxPreallocatedBody = 4 << 20

// readBody reads a response body of at most limit bytes, plus one byte more
// when it is longer, so that the caller can tell. When the server states the
// body's size it is read into one buffer of that size: io.ReadAll would start
// at 512 bytes and double, copying a 500 kB listing page a dozen times and
// touching as much fresh memory again, a measurable part of a backfill's CPU
// (see README, Performance).
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	if size < 0 || size > min(limit, maxPreallocatedBody) {
		return io.ReadAll(r)
	}
	// One byte spare: reading up to EOF needs a last Read with room in it.
	buf := make([]byte, 0, size+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) { // longer than stated: let append grow it
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

package fetcher

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestReadBody: whatever size the server states, the body read is what it
// sent, cut one byte past the limit; a read error comes back with it.
func TestReadBody(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 100) // 1,000 bytes
	for _, tc := range []struct {
		name        string
		size, limit int64
		want        string
	}{
		{"StatedExactly", 1000, 4096, body},
		{"NotStated", -1, 4096, body},
		{"StatedShorter", 10, 4096, body},
		{"StatedLonger", 5000, 8192, body},
		{"StatedEmpty", 0, 4096, body},
		{"OverTheLimitStated", 1000, 100, body[:101]},
		{"OverTheLimitNotStated", -1, 100, body[:101]},
		{"StatedOverThePreallocationCap", maxPreallocatedBody + 1, maxPreallocatedBody * 2, body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// One byte a Read, so that every loop and growth runs.
			got, err := readBody(iotest.OneByteReader(strings.NewReader(body)), tc.size, tc.limit)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
	t.Run("ReadError", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("connection reset")
		r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
		got, err := readBody(r, 100, 4096)
		require.ErrorIs(t, err, boom)
		require.True(t, bytes.Equal([]byte("partial"), got))
	})
}

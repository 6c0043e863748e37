package normalizetest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/record"
)

// Unidentified is how the id fetcher makes up for a record that has none
// begins.
const Unidentified = "unidentified:"

// Quarantined is a record a test expects in quarantine: its id (Unidentified
// for one without), its parent's id ("" for a conversation) and a part of
// its error ("" for any).
type Quarantined struct {
	ID, Parent, Error string
}

// RequireQuarantined checks that got holds exactly want, in order, each
// record from stream.
func RequireQuarantined(t *testing.T, got []record.Quarantined, stream string, want ...Quarantined) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, w := range want {
		q := got[i]
		require.Equal(t, stream, q.Stream, q.RecordID)
		if w.ID == Unidentified {
			require.True(t, strings.HasPrefix(q.RecordID, Unidentified), q.RecordID)
		} else {
			require.Equal(t, w.ID, q.RecordID)
		}
		require.Equal(t, w.Parent, q.ParentID, q.RecordID)
		require.Contains(t, q.Error, w.Error, q.RecordID)
	}
}

package jobs

import (
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
)

func TestDedupeJobs(t *testing.T) {
	t.Parallel()
	ref := jobRef{source: "s", runID: 1}
	out := dedupeJobs([]river.InsertManyParams{
		insertParams(MessagesArgs{Source: "s", ConversationID: "c1"}, ref),
		insertParams(ChatArgs{Source: "s", ChatID: "c1"}, ref),
		insertParams(MessagesArgs{Source: "s", ConversationID: "c1", Cursor: "other"}, ref),
		insertParams(MessagesArgs{Source: "s", ConversationID: "c2"}, ref),
	})
	require.Len(t, out, 3)
	require.Equal(t, "", out[0].Args.(MessagesArgs).Cursor, "the first of duplicates is kept")
}

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
		insertParams(VerifyConversationArgs{Source: "s", ConversationID: "c1", RunID: 1}, ref),
		insertParams(ConversationsArgs{Source: "s", RunID: 1}, ref),
		insertParams(VerifyConversationArgs{Source: "s", ConversationID: "c1", RunID: 2}, ref),
		insertParams(VerifyConversationArgs{Source: "s", ConversationID: "c2", RunID: 1}, ref),
		insertParams(MessagesArgs{JobRun: JobRun{Source: "s"}, Targets: []MessageTarget{{ConversationID: "c1"}}}, ref),
	})
	require.Len(t, out, 4)
	require.Equal(t, int64(1), out[0].Args.(VerifyConversationArgs).RunID, "the first of duplicates is kept")
}

func TestMessageJobs(t *testing.T) {
	t.Parallel()
	targets := make([]MessageTarget, messagesPerJob*2+3)
	for i := range targets {
		targets[i].ConversationID = string(rune('a' + i%26))
	}
	jobs := messageJobs(jobRef{source: "s", runID: 1}, targets)
	require.Len(t, jobs, 3)
	require.Len(t, jobs[2].Args.(MessagesArgs).Targets, 3)
}

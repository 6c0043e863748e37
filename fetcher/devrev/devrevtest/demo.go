package devrevtest

import "time"

// Demo is the workspace `syncer demo` mirrors: its conversations spread over
// the year before now, so that what the analytics cookbook asks of recent
// weeks has answers, and SLA targets are met, breached and still due.
func Demo(conversations int, now time.Time) *Workspace {
	return Generate(GenerateConfig{
		Seed: 42, Conversations: conversations, CommentsPerConversation: 8, Start: now.UTC().Truncate(time.Second),
	})
}

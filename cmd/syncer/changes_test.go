package main

import (
	"fmt"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// devrevChange is one kind of change a test makes to a conversation of the
// fake DevRev org; i tells the changes apart.
type devrevChange func(ws *devrevtest.Workspace, c devrevtest.SnapConversation, i int)

// changeInTurn makes, to each of convs, the next of changes in turn.
func changeInTurn(ws *devrevtest.Workspace, convs []devrevtest.SnapConversation, changes ...devrevChange) {
	for i, c := range convs {
		changes[i%len(changes)](ws, c, i)
	}
}

func addReply(ws *devrevtest.Workspace, c devrevtest.SnapConversation, i int) {
	ws.AddComment(c.ID, fmt.Sprintf("reply %d", i), "external")
}

func rename(ws *devrevtest.Workspace, c devrevtest.SnapConversation, i int) {
	ws.EditConversation(c.ID, fmt.Sprintf("%s (renamed %d)", c.Title, i))
}

func resolve(ws *devrevtest.Workspace, c devrevtest.SnapConversation, _ int) {
	ws.SetStage(c.ID, "resolved")
}

// passThroughStages makes several stage changes between two passes.
func passThroughStages(ws *devrevtest.Workspace, c devrevtest.SnapConversation, _ int) {
	for _, stage := range []string{"active", "waiting_on_user", "resolved"} {
		ws.SetStage(c.ID, stage)
	}
}

// removeMiddleComment removes a comment deep in the timeline, and gone from
// it (not marked deleted).
func removeMiddleComment(ws *devrevtest.Workspace, c devrevtest.SnapConversation, _ int) {
	if len(c.Comments) > 0 {
		ws.RemoveComment(c.Comments[len(c.Comments)/2].ID)
	}
}

func editFirstComment(ws *devrevtest.Workspace, c devrevtest.SnapConversation, _ int) {
	if len(c.Comments) > 0 {
		ws.EditComment(c.Comments[0].ID, "edited at the very start")
	}
}

func deleteFirstComment(ws *devrevtest.Workspace, c devrevtest.SnapConversation, _ int) {
	if len(c.Comments) > 0 {
		ws.DeleteComment(c.Comments[0].ID)
	}
}

func deleteConversation(ws *devrevtest.Workspace, c devrevtest.SnapConversation, _ int) {
	ws.DeleteConversation(c.ID)
}

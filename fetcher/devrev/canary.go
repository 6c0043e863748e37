package devrev

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/syncerhq/syncer/fetcher"
)

// CreateConversation creates a support conversation with a first message,
// for `syncer canary`, and returns its id. It is sent once: a retry after a
// lost answer could create a second conversation.
func (c *Client) CreateConversation(ctx context.Context, title, description, firstMessage string) (string, error) {
	body := map[string]any{
		"type":        "support",
		"title":       title,
		"description": description,
		"messages":    []map[string]string{{"body": firstMessage}},
	}
	var resp struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Method: http.MethodPost, Path: "/conversations.create", Body: body, Once: true}, &resp); err != nil {
		return "", fmt.Errorf("create conversation: %w", err)
	}
	if resp.Conversation.ID == "" {
		return "", errors.New("create conversation: the answer has no conversation id")
	}
	return resp.Conversation.ID, nil
}

// DeleteConversation deletes a conversation (the canary's, afterwards).
func (c *Client) DeleteConversation(ctx context.Context, id string) error {
	if _, err := c.http.Do(ctx, fetcher.Request{Method: http.MethodPost, Path: "/conversations.delete", Body: map[string]string{"id": id}}); err != nil {
		return fmt.Errorf("delete conversation %s: %w", id, err)
	}
	return nil
}

package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/syncerhq/syncer/fetcher"
)

// webhookEvents are the account webhook events syncer reads.
func webhookEvents() []string {
	return []string{"conversation_created", "conversation_updated", "conversation_status_changed", "message_created", "message_updated"}
}

type webhookWire struct {
	ID            fetcher.Int `json:"id"`
	URL           string      `json:"url"`
	Subscriptions []string    `json:"subscriptions"`
	Secret        string      `json:"secret"`
}

func (w webhookWire) info() fetcher.WebhookInfo {
	return fetcher.WebhookInfo{ID: w.ID.String(), URL: w.URL, Status: "active", Events: w.Subscriptions}
}

// RegisterWebhook implements fetcher.WebhookRegistrar with the account
// webhooks API. Chatwoot 4.12 and later generate a secret; older versions
// sign nothing (the source then needs webhook_unsigned).
func (c *Client) RegisterWebhook(ctx context.Context, url string) (*fetcher.WebhookInfo, error) {
	if c.account == "" {
		return nil, errors.New("chatwoot: webhooks belong to an account; the public client API has none")
	}
	body, err := c.http.Do(ctx, fetcher.Request{Method: http.MethodPost, Name: "webhooks.create", Path: c.account + "/webhooks", Once: true,
		Body: map[string]any{"url": url, "name": "syncer", "subscriptions": webhookEvents()}})
	if err != nil {
		return nil, err
	}
	// Chatwoot wraps it in {"payload": {"webhook": …}}; its swagger shows
	// the bare object: either is taken.
	var resp struct {
		Payload struct {
			Webhook *webhookWire `json:"webhook"`
		} `json:"payload"`
	}
	var w webhookWire
	if err := json.Unmarshal(body, &resp); err == nil && resp.Payload.Webhook != nil {
		w = *resp.Payload.Webhook
	} else if err := json.Unmarshal(body, &w); err != nil {
		return nil, &fetcher.RetryableError{Endpoint: "webhooks.create", Status: http.StatusOK, Err: err}
	}
	info := w.info()
	info.Secret = w.Secret
	return &info, nil
}

// ListWebhooks implements fetcher.WebhookRegistrar.
func (c *Client) ListWebhooks(ctx context.Context) ([]fetcher.WebhookInfo, error) {
	if c.account == "" {
		return nil, errors.New("chatwoot: webhooks belong to an account; the public client API has none")
	}
	body, err := c.http.Do(ctx, fetcher.Request{Name: "webhooks.list", Path: c.account + "/webhooks"})
	if err != nil {
		return nil, err
	}
	var resp struct {
		Payload struct {
			Webhooks []webhookWire `json:"webhooks"`
		} `json:"payload"`
	}
	var list []webhookWire
	if err := json.Unmarshal(body, &resp); err == nil && resp.Payload.Webhooks != nil {
		list = resp.Payload.Webhooks
	} else if err := json.Unmarshal(body, &list); err != nil {
		return nil, &fetcher.RetryableError{Endpoint: "webhooks.list", Status: http.StatusOK, Err: err}
	}
	out := make([]fetcher.WebhookInfo, len(list))
	for i, w := range list {
		out[i] = w.info()
	}
	return out, nil
}

package devrev

import (
	"context"
	"net/http"

	"github.com/syncerhq/syncer/fetcher"
)

// webhookEvents are the event types syncer reads: what changes a
// conversation, its timeline or its SLA.
func webhookEvents() []string {
	return []string{
		"conversation_created", "conversation_updated", "conversation_deleted",
		"timeline_entry_created", "timeline_entry_updated", "timeline_entry_deleted",
		"sla_tracker_created", "sla_tracker_updated", "sla_tracker_deleted",
	}
}

type webhookWire struct {
	ID         string   `json:"id"`
	URL        string   `json:"url"`
	Status     string   `json:"status"`
	EventTypes []string `json:"event_types"`
	Secret     string   `json:"secret"`
}

func (w webhookWire) info() fetcher.WebhookInfo {
	return fetcher.WebhookInfo{ID: w.ID, URL: w.URL, Status: w.Status, Events: w.EventTypes}
}

// RegisterWebhook implements fetcher.WebhookRegistrar with webhooks.create.
// DevRev generates the secret, and verifies the endpoint at once (the daemon
// answers that handshake even before it knows the secret).
func (c *Client) RegisterWebhook(ctx context.Context, url string) (*fetcher.WebhookInfo, error) {
	var resp struct {
		Webhook webhookWire `json:"webhook"`
	}
	err := c.getJSON(ctx, fetcher.Request{Method: http.MethodPost, Path: "/webhooks.create", Once: true, Secret: true,
		Body: map[string]any{"url": url, "event_types": webhookEvents()}}, &resp)
	if err != nil {
		return nil, err
	}
	info := resp.Webhook.info()
	info.Secret = resp.Webhook.Secret
	return &info, nil
}

// ListWebhooks implements fetcher.WebhookRegistrar with webhooks.list.
func (c *Client) ListWebhooks(ctx context.Context) ([]fetcher.WebhookInfo, error) {
	var resp struct {
		Webhooks []webhookWire `json:"webhooks"`
	}
	if err := c.getJSON(ctx, fetcher.Request{Method: http.MethodPost, Path: "/webhooks.list", Secret: true, Body: map[string]any{}}, &resp); err != nil {
		return nil, err
	}
	out := make([]fetcher.WebhookInfo, len(resp.Webhooks))
	for i, w := range resp.Webhooks {
		out[i] = w.info()
	}
	return out, nil
}

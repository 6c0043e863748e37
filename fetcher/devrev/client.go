package devrev

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// DefaultBaseURL is DevRev's public API.
const DefaultBaseURL = "https://api.devrev.ai"

// MaxPageSize is the largest page syncer asks for. DevRev does not document
// its maximum; 100 is accepted everywhere.
const MaxPageSize = 100

// Config configures a Client.
type Config struct {
	// BaseURL is the API origin. Defaults to DefaultBaseURL.
	BaseURL string
	// Token is the personal access token or service account token.
	Token string
	// PageSize is the number of records asked per page. Defaults to (and is
	// capped at) MaxPageSize.
	PageSize int
	// WebhookSecret is the secret of the webhook DevRev sends events to
	// syncer with; without it every delivery is refused.
	WebhookSecret string
	// HTTP tunes the shared HTTP client (pacer, timeouts, User-Agent). Its
	// BaseURL and AuthorizeFunc are set from the fields above.
	HTTP fetcher.Config
}

// Client reads one DevRev workspace. It implements fetcher.Source.
type Client struct {
	http          *fetcher.Client
	pageSize      int
	webhookSecret string
}

var (
	_ fetcher.Source           = (*Client)(nil)
	_ fetcher.ChatGetter       = (*Client)(nil)
	_ fetcher.SLATrackerGetter = (*Client)(nil)
	_ fetcher.WebhookReceiver  = (*Client)(nil)
)

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, fmt.Errorf("devrev: no token")
	}
	httpCfg := cfg.HTTP
	httpCfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	httpCfg.AuthorizeFunc = fetcher.Bearer(cfg.Token)
	httpCfg.RetryAfterFunc = retryAfter
	// DevRev's 403 refuses one object (a chat the token's user is not in).
	httpCfg.RecordRefusalFunc = fetcher.ForbiddenRefusesRecord
	hc, err := fetcher.New(httpCfg)
	if err != nil {
		return nil, fmt.Errorf("devrev: %w", err)
	}
	pageSize := cfg.PageSize
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	return &Client{http: hc, pageSize: pageSize, webhookSecret: cfg.WebhookSecret}, nil
}

// Pacer returns the pacer of the client's requests. DevRev tells its budget
// in every answer's X-Ratelimit-* headers: the pacer spends it.
func (c *Client) Pacer() *fetcher.Pacer { return c.http.Pacer() }

// ListConversations returns one page of conversations. DevRev does not
// document the list order, so callers must not assume it is by date.
func (c *Client) ListConversations(ctx context.Context, q fetcher.ConversationQuery) (*fetcher.ConversationPage, error) {
	query := url.Values{"limit": {strconv.Itoa(c.pageSize)}}
	if q.Cursor != "" {
		query.Set("cursor", q.Cursor)
	}
	if !q.ModifiedSince.IsZero() {
		query.Set("modified_date.after", q.ModifiedSince.UTC().Format(time.RFC3339Nano))
	}
	var page *fetcher.ConversationPage
	_, err := c.http.GetDecoded(ctx, fetcher.Request{Path: "/conversations.list", Query: query}, func(body []byte) (err error) {
		page, err = parseConversationsPage(body)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// parseConversationsPage decodes a conversations.list answer.
func parseConversationsPage(body []byte) (*fetcher.ConversationPage, error) {
	var resp conversationsListResponse
	if err := decodeList(body, &resp); err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{NextCursor: resp.NextCursor}
	for _, raw := range resp.Conversations {
		addConversation(json.RawMessage(raw), page)
	}
	return page, nil
}

// GetConversation returns one conversation as a one-record page; a
// conversation that is gone is a not-found error.
func (c *Client) GetConversation(ctx context.Context, id string) (*fetcher.ConversationPage, error) {
	var resp conversationsGetResponse
	if err := c.getJSON(ctx, fetcher.Request{Path: "/conversations.get", Query: url.Values{"id": {id}}}, &resp); err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{}
	addConversation(json.RawMessage(resp.Conversation), page)
	return page, nil
}

// ListMessages returns one page of a conversation's timeline, with the
// replies in the threads of its comments. Only comments are messages. A page
// may be empty while the listing goes on. DevRev's timeline is always read
// whole: it is the only way to see edits and deletions of older comments,
// and its pages are large.
func (c *Client) ListMessages(ctx context.Context, q fetcher.MessageQuery) (*fetcher.MessagePage, error) {
	conversationID := q.ConversationID
	query := url.Values{"object": {conversationID}, "limit": {strconv.Itoa(c.pageSize)}}
	if q.Cursor != "" {
		query.Set("cursor", q.Cursor)
	}
	var page *fetcher.MessagePage
	var threads []string
	_, err := c.http.GetDecoded(ctx, fetcher.Request{Path: "/timeline-entries.list", Query: query}, func(body []byte) (err error) {
		page, threads, err = parseTimelinePage(conversationID, body)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, commentID := range threads {
		if err := c.readThread(ctx, conversationID, commentID, page); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// readThread adds the replies in a comment's thread to page. A thread the
// API says it does not have, or will not show this token (a 404, a 403 of
// that record), or whose listing does not end, goes to quarantine, and the
// read then takes nothing for deleted: the replies it stored before stay. A
// later read of the thread takes it out of quarantine, as a whole read that
// no longer shows it does. Any other failure fails the page.
func (c *Client) readThread(ctx context.Context, conversationID, commentID string, page *fetcher.MessagePage) error {
	thread := "thread:" + commentID // its record in quarantine
	err := c.addReplies(ctx, conversationID, commentID, page)
	var apiErr *fetcher.APIError
	switch {
	case err == nil:
		page.Batch.EntriesRead = append(page.Batch.EntriesRead, thread)
		return nil
	case errors.Is(err, fetcher.ErrBrokenListing): // quarantined below
	case !errors.As(err, &apiErr) || !apiErr.IsNotFound() && !apiErr.RecordOnly:
		return fmt.Errorf("the replies to comment %s: %w", commentID, err)
	}
	page.Unreliable = true
	page.Batch.Quarantined = append(page.Batch.Quarantined, record.Quarantined{
		Stream: record.StreamMessages, RecordID: thread, ParentID: conversationID,
		Error: fmt.Sprintf("the replies to comment %s: %v", commentID, err),
	})
	return nil
}

// maxReplyPages stops a thread whose listing never ends.
const maxReplyPages = 100

// addReplies adds the replies in a comment's thread to page, as messages of
// the conversation: DevRev lists them under the comment (the timeline of
// object <comment id>), never under the conversation.
func (c *Client) addReplies(ctx context.Context, conversationID, commentID string, page *fetcher.MessagePage) error {
	query := url.Values{"object": {commentID}, "limit": {strconv.Itoa(c.pageSize)}}
	for range maxReplyPages {
		var resp timelineEntriesListResponse
		_, err := c.http.GetDecoded(ctx, fetcher.Request{Path: "/timeline-entries.list", Query: query}, func(body []byte) error {
			return decodeList(body, &resp)
		})
		if err != nil {
			return err
		}
		for _, raw := range resp.TimelineEntries {
			addEntry(conversationID, json.RawMessage(raw), &page.Batch)
		}
		switch resp.NextCursor {
		case "":
			return nil
		case query.Get("cursor"):
			return fmt.Errorf("%w: the thread's listing returned the cursor it was given", fetcher.ErrBrokenListing)
		}
		query.Set("cursor", resp.NextCursor)
	}
	return fmt.Errorf("%w: the thread still has more after %d pages", fetcher.ErrBrokenListing, maxReplyPages)
}

// parseTimelinePage decodes a timeline-entries.list answer, and lists the
// comments on it that have replies.
func parseTimelinePage(conversationID string, body []byte) (*fetcher.MessagePage, []string, error) {
	var resp timelineEntriesListResponse
	if err := decodeList(body, &resp); err != nil {
		return nil, nil, err
	}
	page := &fetcher.MessagePage{NextCursor: resp.NextCursor}
	var threads []string
	for _, raw := range resp.TimelineEntries {
		addEntry(conversationID, json.RawMessage(raw), &page.Batch)
		if id := threadOf(raw); id != "" {
			threads = append(threads, id)
		}
	}
	if page.NextCursor == "" && len(page.Batch.Quarantined) == 0 {
		// A timeline is always read whole, from its first entry: its change
		// events, on this page and the ones before, are every change since
		// the conversation was created. Unless one of its entries could not
		// be read: it may be a change.
		page.Batch.ChangesCompleteFor = append(page.Batch.ChangesCompleteFor, conversationID)
	}
	return page, threads, nil
}

// GetChat returns a chat (DevRev has no list of chats: their ids come from
// conversations' channels).
func (c *Client) GetChat(ctx context.Context, chatID string) (*record.Batch, error) {
	var resp chatsGetResponse
	if err := c.getJSON(ctx, fetcher.Request{Path: "/chats.get", Query: url.Values{"id": {chatID}}}, &resp); err != nil {
		return nil, err
	}
	b, err := normalizeChat(json.RawMessage(resp.Chat))
	if err != nil {
		b = &record.Batch{}
		fetcher.Quarantine(b, record.StreamChats, "", json.RawMessage(resp.Chat), err)
	}
	return b, nil
}

// GetSLATracker returns a conversation's SLA from its tracker.
func (c *Client) GetSLATracker(ctx context.Context, ref fetcher.SLATrackerRef) (*record.Batch, error) {
	var resp slaTrackersGetResponse
	if err := c.getJSON(ctx, fetcher.Request{Path: "/sla-trackers.get", Query: url.Values{"id": {ref.TrackerID}}}, &resp); err != nil {
		return nil, err
	}
	b, err := normalizeTracker(ref, json.RawMessage(resp.SLATracker))
	if err != nil {
		b = &record.Batch{}
		fetcher.Quarantine(b, record.StreamSLATrackers, ref.ConversationID, json.RawMessage(resp.SLATracker), err)
	}
	return b, nil
}

// getJSON sends req and decodes its answer into out with the lenient
// decoder.
func (c *Client) getJSON(ctx context.Context, req fetcher.Request, out any) error {
	_, err := c.http.GetDecoded(ctx, req, func(body []byte) error { return unmarshal(body, out) })
	return err
}

// retryAfter reads DevRev's wait after a 429: the Retry-After header, else
// the body's retry_after (seconds, fractions kept, decoded leniently like
// every DevRev number: "30" is 30), else until the 5-minute window resets.
func retryAfter(resp *http.Response, body []byte, now time.Time) time.Duration {
	if d := fetcher.RetryAfterHeader(resp, body, now); d > 0 {
		return d
	}
	var e struct {
		RetryAfter jsontext.Value `json:"retry_after"`
	}
	if unmarshal(body, &e) == nil {
		// A number, or a number in a string, as DevRev sends others.
		if d, ok := fetcher.ParseSecondsWait(strings.Trim(string(e.RetryAfter), `"`)); ok && d > 0 {
			return d
		}
	}
	if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
		if d := time.Unix(reset, 0).Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

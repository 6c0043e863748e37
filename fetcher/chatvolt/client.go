package chatvolt

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// DefaultBaseURL is Chatvolt's public API.
const DefaultBaseURL = "https://api.chatvolt.ai"

// MaxPageSize is the largest "limit" syncer asks of the conversation list. A
// third-party note says Chatvolt accepts at most 100.
const MaxPageSize = 100

// MaxMessages is the count syncer asks of GET
// /conversation/{id}/messages/{count}, the largest the fake accepts; Chatvolt
// documents no maximum. It bounds how far back a conversation's history can
// be read: the API has no cursor, so messages older than the latest
// MaxMessages are out of reach (they are not an error, and nothing is
// quarantined for them). A server that serves fewer without saying so is
// noticed as the conversation listing's cap is (Client.longestMessages).
const MaxMessages = 500

// detailConcurrency is how many conversations one page fetches at a time.
const detailConcurrency = 4

// DefaultResolvedLookback is Config.ResolvedLookback's default.
const DefaultResolvedLookback = 24 * time.Hour

// ModifiedAtFunc reports the mirror's modification time of each of ids that
// it holds (ids it does not hold are absent from the map).
type ModifiedAtFunc func(ctx context.Context, ids []string) (map[string]time.Time, error)

// Config configures a Client.
type Config struct {
	// BaseURL is the API origin. Defaults to DefaultBaseURL.
	BaseURL string
	// APIKey is the organization's API key, sent as a Bearer token.
	APIKey string
	// PageSize is the "limit" asked of the conversation list. Defaults to
	// (and is capped at) MaxPageSize.
	PageSize int
	// RateLimit is the organization's rate limit, when the user knows it.
	// Chatvolt documents none and sends no rate headers: without it the
	// pacer learns a safe rate from the throttles. Ignored when HTTP.Pacer
	// is set.
	RateLimit fetcher.RateLimit
	// HTTP tunes the shared HTTP client (pacer, timeouts, User-Agent). Its
	// BaseURL and AuthorizeFunc are set by NewClient, and RateLimitStatuses
	// always include 429 and 419.
	HTTP fetcher.Config
	// ModifiedAtFunc reports the mirror's modified_at of conversations. The
	// list endpoint serves summaries only, so every conversation a listing
	// shows costs a GET /conversation/{id}; with ModifiedAtFunc, a listed
	// conversation whose updatedAt is not newer than the mirror's is skipped:
	// no request, and no record in the page. Defaults to nil: every listed
	// conversation is fetched.
	ModifiedAtFunc ModifiedAtFunc
	// ResolvedLookback widens an incremental pass's listing of recently
	// created conversations this far back, so that conversations resolved
	// since the last pass are seen (the listing of unresolved ones no longer
	// shows them, and there is no updatedAt filter). Older conversations
	// resolved in between are seen by the next sweep. Defaults to
	// DefaultResolvedLookback; negative turns it off.
	ResolvedLookback time.Duration
}

// Client reads one Chatvolt organization. It implements fetcher.Source.
type Client struct {
	http             *fetcher.Client
	pageSize         int
	modifiedAt       ModifiedAtFunc
	resolvedLookback time.Duration
	// longestMessages is the longest answer of messages seen. A server that
	// caps its answers below MaxMessages, without saying so, caps them at
	// least this long: an answer as long may have been cut, and only a
	// shorter one is a conversation's whole history.
	longestMessages atomic.Int64
}

var _ fetcher.Source = (*Client)(nil)

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("chatvolt: no API key")
	}
	c := &Client{
		pageSize:         cfg.PageSize,
		modifiedAt:       cfg.ModifiedAtFunc,
		resolvedLookback: cfg.ResolvedLookback,
	}
	if c.pageSize <= 0 || c.pageSize > MaxPageSize {
		c.pageSize = MaxPageSize
	}
	switch {
	case c.resolvedLookback == 0:
		c.resolvedLookback = DefaultResolvedLookback
	case c.resolvedLookback < 0:
		c.resolvedLookback = 0
	}

	httpCfg := cfg.HTTP
	httpCfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	httpCfg.AuthorizeFunc = fetcher.Bearer(cfg.APIKey)
	if httpCfg.Pacer == nil {
		httpCfg.Pacer = fetcher.NewPacer(PacerConfig(cfg.RateLimit))
	}
	statuses := slices.Clone(httpCfg.RateLimitStatuses)
	for _, s := range []int{http.StatusTooManyRequests, statusLaravelRateLimited} {
		if !slices.Contains(statuses, s) {
			statuses = append(statuses, s)
		}
	}
	httpCfg.RateLimitStatuses = statuses
	// A 403 refuses one conversation; a refused key is a 401.
	httpCfg.RecordRefusalFunc = fetcher.ForbiddenRefusesRecord
	hc, err := fetcher.New(httpCfg)
	if err != nil {
		return nil, fmt.Errorf("chatvolt: %w", err)
	}
	c.http = hc
	return c, nil
}

// statusLaravelRateLimited is the non-standard status ("Page Expired" in
// Laravel) that Chatvolt is reported to answer instead of 429 at times.
const statusLaravelRateLimited = 419

// PacerConfig is how Chatvolt's rate limit is paced: undocumented, with no
// headers and no Retry-After, so the pacer learns it from the throttles,
// probing again within seconds (a third-party note reports windows of a
// minute), unless the user states it.
func PacerConfig(limit fetcher.RateLimit) fetcher.PacerConfig {
	return fetcher.PacerConfig{Limit: limit, MaxProbeWait: 5 * time.Second}
}

// Pacer returns the pacer of the client's requests.
func (c *Client) Pacer() *fetcher.Pacer { return c.http.Pacer() }

// ListConversations returns one step of a pass over the conversations: the
// conversations one list request showed, in detail.
//
// A pass with q.ModifiedSince zero lists every conversation. Chatvolt has no
// updatedAt filter, so an incremental pass lists every conversation created
// since q.ModifiedSince (less Config.ResolvedLookback) and every conversation
// not resolved, whatever its age; the jobs' later passes, sweeps and
// message re-reads of open conversations cover the rest.
//
// The list serves summaries; each listed conversation that changed (per
// Config.ModifiedAtFunc) is read with GET /conversation/{id}, which has its
// assignees, tags and CRM links. Unchanged ones yield no record at all, and
// neither do ones deleted between the list and the get. A page may thus be
// empty while NextCursor goes on. MaxModified is the newest updatedAt the
// page listed, changed or not.
//
// NextCursor is the client's own (base64 JSON): the phase of the pass, the
// server's cursor or the creation-date window, and the listing dialect
// detected (see paging.go).
func (c *Client) ListConversations(ctx context.Context, q fetcher.ConversationQuery) (*fetcher.ConversationPage, error) {
	st, err := decodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	phases := c.phases(q.ModifiedSince, q.Thorough)
	if st.Phase >= len(phases) {
		return &fetcher.ConversationPage{}, nil
	}
	read := st.Read
	st.Read = nil
	items, err := c.listStep(ctx, phases[st.Phase], &st)
	if err != nil {
		return nil, err
	}
	page, readNow, err := c.detailPage(ctx, items, read)
	if err != nil {
		return nil, err
	}
	if readNow != nil {
		// The rate limit cut the step's reads short: the page holds what
		// was read, and the next takes the same step again, less that.
		// Failing the page instead would read the same conversations again
		// at every attempt, and a page that needs more reads than the rate
		// allows in a job would never end.
		again, _ := decodeCursor(q.Cursor) // it decoded above
		again.Read = append(read, readNow...)
		page.NextCursor = again.encode()
		return page, nil
	}
	if st.Phase < len(phases) {
		page.NextCursor = st.encode()
	}
	return page, nil
}

// ListsEveryOpenConversation implements fetcher.OpenLister: an incremental
// pass lists every unresolved conversation.
func (c *Client) ListsEveryOpenConversation() bool { return true }

// detailPage turns listed summaries into a page of detailed conversations,
// fetching only those that changed and were not read already (read: an
// earlier attempt of the same step returned them as they are listed now).
// When the rate limit stops the reads after some were done, the page holds
// those, and readNow marks them.
func (c *Client) detailPage(ctx context.Context, items []listed, read []readMark) (page *fetcher.ConversationPage, readNow []readMark, _ error) {
	page = &fetcher.ConversationPage{}
	var candidates []summary
	listedRaw := map[string]json.RawMessage{}
	listedAt := map[string]time.Time{}
	for _, it := range items {
		if it.err != nil {
			fetcher.Quarantine(&page.Batch, record.StreamConversations, "", it.raw, it.err)
			continue
		}
		if it.s.UpdatedAt.After(page.MaxModified) {
			page.MaxModified = it.s.UpdatedAt.Time
		}
		if readAlready(read, it.s) {
			page.ListedIDs = append(page.ListedIDs, string(it.s.ID))
			continue
		}
		candidates = append(candidates, it.s)
		listedRaw[string(it.s.ID)] = it.raw
		listedAt[string(it.s.ID)] = it.s.UpdatedAt.Time
	}
	changed, err := c.changed(ctx, candidates)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range candidates {
		if !slices.Contains(changed, string(s.ID)) {
			page.ListedIDs = append(page.ListedIDs, string(s.ID))
		}
	}
	details, err := c.getConversations(ctx, changed)
	if err != nil {
		if !cutShort(err, details) {
			return nil, nil, err
		}
		readNow = []readMark{}
	}
	for i, d := range details {
		switch {
		case !d.done:
		case d.err != nil:
			// The listing shows it: quarantined with what the listing said.
			fetcher.Quarantine(&page.Batch, record.StreamConversations, "", listedRaw[changed[i]], d.err)
		case d.raw != nil:
			addConversation(d.raw, page)
		}
		if d.done && readNow != nil {
			readNow = append(readNow, readMark{ID: changed[i], UpdatedAt: listedAt[changed[i]]})
		}
	}
	return page, readNow, nil
}

// cutShort reports whether the reads of a page that failed with err are
// worth returning in part: the rate limit stopped them after the API
// answered some (with the conversation, or a 404). Reads that only failed
// (a 5xx, a timeout) say the detail endpoint may be down: quarantining them
// would quarantine the conversations of every page while it is.
func cutShort(err error, details []detail) bool {
	var limited *fetcher.RateLimitedError
	return errors.As(err, &limited) && slices.ContainsFunc(details, func(d detail) bool { return d.done && d.err == nil })
}

// changed returns the ids of the summaries whose updatedAt is newer than the
// mirror's (all of them without a ModifiedAtFunc).
func (c *Client) changed(ctx context.Context, items []summary) ([]string, error) {
	ids := make([]string, 0, len(items))
	for _, s := range items {
		if !slices.Contains(ids, string(s.ID)) {
			ids = append(ids, string(s.ID))
		}
	}
	if c.modifiedAt == nil || len(ids) == 0 {
		return ids, nil
	}
	mirror, err := c.modifiedAt(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("chatvolt: look up mirrored conversations: %w", err)
	}
	out := ids[:0]
	for _, s := range items {
		id := string(s.ID)
		if slices.Contains(out, id) {
			continue
		}
		if known, ok := mirror[id]; ok && !s.UpdatedAt.IsZero() && !s.UpdatedAt.After(known) {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// detail is what the read of one conversation came to.
type detail struct {
	// done says the read came to an end: raw, gone (a 404: raw nil) or
	// unreadable (err).
	done bool
	raw  json.RawMessage
	err  error
}

// getConversations reads conversations by id, a few at a time, in order.
// One that is gone (404) has no raw. One the API will not give (a 403 of
// that record, a 4xx, a 5xx or timeout that did not pass) has its error: the
// API answered the others, so failing the page for it would fail every pass
// at the same conversation. A rate limit or a refused key fails them all, and
// so does a 5xx or timeout when no read was answered (the rule of batch jobs:
// the detail endpoint is down, not one conversation); the details then say
// which reads were done before.
func (c *Client) getConversations(ctx context.Context, ids []string) ([]detail, error) {
	out := make([]detail, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		answered bool
		next     = make(chan int)
	)
	for range min(detailConcurrency, len(ids)) {
		wg.Go(func() {
			for i := range next {
				raw, err := c.getConversation(ctx, ids[i])
				if err == nil || fetcher.IsNotFound(err) {
					mu.Lock()
					answered = true
					mu.Unlock()
				}
				switch {
				case err == nil:
					out[i] = detail{done: true, raw: raw}
				case fetcher.IsNotFound(err):
					out[i] = detail{done: true}
				case failsThePage(err) || ctx.Err() != nil:
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				default:
					out[i] = detail{done: true, err: err}
				}
			}
		})
	}
feed:
	for i := range ids {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr == nil && !answered {
		firstErr = firstTransient(out)
	}
	return out, firstErr
}

// firstTransient is the first error of details that may pass (a 5xx, a
// timeout), nil if none.
func firstTransient(details []detail) error {
	for _, d := range details {
		var transient *fetcher.RetryableError
		if errors.As(d.err, &transient) {
			return d.err
		}
	}
	return nil
}

// failsThePage reports whether a conversation's read failed for a reason
// that is not the conversation's: a rate limit or a refused key.
func failsThePage(err error) bool {
	var limited *fetcher.RateLimitedError
	return errors.As(err, &limited) || fetcher.IsAuthError(err)
}

// getConversation reads one ConversationDetailed. A 200 whose body is null
// is a conversation that is not there: Chatvolt's handler answers what its
// lookup found, null for an id it does not have, where others say 404.
func (c *Client) getConversation(ctx context.Context, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "conversation.get", Path: "/conversation/" + url.PathEscape(id)}, &raw); err != nil {
		return nil, err
	}
	if isNull(raw) {
		return nil, &fetcher.APIError{Endpoint: "conversation.get", Status: http.StatusNotFound, Message: "the answer is null"}
	}
	return unwrapConversation(raw), nil
}

// GetConversation returns one conversation, in detail, as a one-record page;
// a conversation that is gone is a not-found error.
func (c *Client) GetConversation(ctx context.Context, id string) (*fetcher.ConversationPage, error) {
	raw, err := c.getConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{}
	addConversation(raw, page)
	return page, nil
}

// ListMessages returns a conversation's messages as one page (NextCursor is
// always empty; q.Cursor is not used). The API has no cursor and serves only
// "the latest count", so the client asks for the most it serves, MaxMessages,
// in one request: a conversation with fewer is read whole; of a longer one
// only the latest MaxMessages are, and CoveredFrom says from when.
func (c *Client) ListMessages(ctx context.Context, q fetcher.MessageQuery) (*fetcher.MessagePage, error) {
	var resp messagesResponse
	path := "/conversation/" + url.PathEscape(q.ConversationID) + "/messages/" + strconv.Itoa(MaxMessages)
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "conversation.messages", Path: path}, &resp); err != nil {
		return nil, err
	}
	page := &fetcher.MessagePage{}
	for _, raw := range resp.Items {
		addMessage(q.ConversationID, raw, &page.Batch)
	}
	if c.messagesMayBeCut(len(resp.Items)) {
		oldest := oldestCreated(resp.Items)
		if oldest.IsZero() {
			page.Unreliable = true
			return page, nil
		}
		// Strictly after the oldest shown (PostgreSQL keeps microseconds):
		// one created in the same instant may lie just beyond the window, as
		// the API breaks ties in no stated order, and is not gone.
		page.CoveredFrom = oldest.Add(time.Microsecond)
	}
	return page, nil
}

// messagesMayBeCut reports whether an answer of n messages may lack older
// ones (see mayBeCut), and learns it as the longest seen.
func (c *Client) messagesMayBeCut(n int) bool {
	longest := int64(n)
	for {
		seen := c.longestMessages.Load()
		if seen >= longest || c.longestMessages.CompareAndSwap(seen, longest) {
			return mayBeCut(n, MaxMessages, int(max(seen, longest)))
		}
	}
}

// oldestCreated is the earliest createdAt of a window of messages; zero when
// none can be read.
func oldestCreated(raws []json.RawMessage) time.Time {
	var oldest time.Time
	for _, raw := range raws {
		var m struct {
			CreatedAt fetcher.UnixTime `json:"createdAt"`
		}
		if json.Unmarshal(raw, &m) == nil && !m.CreatedAt.IsZero() && (oldest.IsZero() || m.CreatedAt.Before(oldest)) {
			oldest = m.CreatedAt.Time
		}
	}
	return oldest
}

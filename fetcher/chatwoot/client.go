package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// Page sizes Chatwoot uses: conversations per list page, and messages per
// after= page.
const (
	// defaultConversationsPerPage is CONVERSATION_RESULTS_PER_PAGE's
	// default; a self-hosted server may set it lower or higher, so a
	// backfill learns the size from its first page (see pageCursor).
	defaultConversationsPerPage = 25
	messagesPerPage             = 100  // after=
	messagesBetween             = 1000 // after= and before= together
	// publicMessagesPerPage is what MessageFinder serves without after=,
	// latest first: all the public API asks for (it hands the finder only
	// before=), and all a Chatwoot from before after= serves.
	publicMessagesPerPage = 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is the Chatwoot origin, such as https://app.chatwoot.com.
	BaseURL string
	// Token is an access token; an administrator's sees every conversation,
	// an agent's only those of its inboxes.
	Token string
	// AccountID is the account to mirror.
	AccountID string
	// InboxIdentifier and ContactIdentifier, when set, switch to the public
	// client API: the conversations of that one contact, without a token.
	InboxIdentifier   string
	ContactIdentifier string
	// RateWindow is the period of the server's rate limit (rack-attack's,
	// aligned to the clock). A 429, which says nothing of how long to wait,
	// waits for the next window. Defaults to one minute, Chatwoot's.
	RateWindow time.Duration
	// RateLimit is the server's limit (requests per RateWindow), when the
	// user knows it: 3000 a minute per client IP on Chatwoot's cloud, and
	// self-hosted servers set their own. Without it the pacer learns a
	// safe rate from the 429s. Ignored when HTTP.Pacer is set.
	RateLimit fetcher.RateLimit
	// HTTP tunes the shared HTTP client. Its BaseURL and AuthorizeFunc are
	// set here.
	HTTP fetcher.Config
	// WebhookSecret is the secret of the account webhook that sends events
	// to syncer (Chatwoot 4.12 and later sign with it).
	WebhookSecret string
	// WebhookUnsigned accepts deliveries without a signature, as older
	// self-hosted Chatwoot versions send them: anyone who can reach the
	// endpoint can then make syncer read a conversation again.
	WebhookUnsigned bool
}

// Client reads one Chatwoot account (or one contact). It implements
// fetcher.Source.
type Client struct {
	http    *fetcher.Client
	account string // /api/v1/accounts/{id}
	public  string // /public/api/v1/inboxes/{inbox}/contacts/{contact}; "" in account mode

	accountID       string
	webhookSecret   string
	webhookUnsigned bool
}

var (
	_ fetcher.Source          = (*Client)(nil)
	_ fetcher.WebhookReceiver = (*Client)(nil)
)

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	c := &Client{accountID: cfg.AccountID, webhookSecret: cfg.WebhookSecret, webhookUnsigned: cfg.WebhookUnsigned}
	httpCfg := cfg.HTTP
	httpCfg.BaseURL = cfg.BaseURL
	switch {
	case cfg.InboxIdentifier != "" || cfg.ContactIdentifier != "":
		if cfg.InboxIdentifier == "" || cfg.ContactIdentifier == "" {
			return nil, errors.New("chatwoot: the public API needs both an inbox identifier and a contact identifier")
		}
		c.public = "/public/api/v1/inboxes/" + url.PathEscape(cfg.InboxIdentifier) + "/contacts/" + url.PathEscape(cfg.ContactIdentifier) + "/conversations"
	default:
		if cfg.Token == "" {
			return nil, errors.New("chatwoot: no API token")
		}
		account, err := strconv.Atoi(cfg.AccountID)
		if err != nil {
			return nil, fmt.Errorf("chatwoot: account id %q is not a number", cfg.AccountID)
		}
		// As Chatwoot writes it (07 and +7 are 7), for webhooks' account.id.
		c.accountID = strconv.Itoa(account)
		token := cfg.Token
		httpCfg.AuthorizeFunc = func(r *http.Request) { r.Header.Set("api_access_token", token) }
		c.account = "/api/v1/accounts/" + c.accountID
	}
	if httpCfg.Pacer == nil {
		httpCfg.Pacer = fetcher.NewPacer(PacerConfig(cfg.RateLimit, cfg.RateWindow))
	}
	httpCfg.RecordRefusalFunc = refusesRecordOnly
	hc, err := fetcher.New(httpCfg)
	if err != nil {
		return nil, fmt.Errorf("chatwoot: %w", err)
	}
	c.http = hc
	return c, nil
}

// refusesRecordOnly tells Chatwoot's 401 for a record the token may not see
// (Pundit's refusal: an agent's token and a conversation of an inbox the
// agent is not in) from its 401 for the token itself ("Invalid Access
// Token"): the first must not stop the source as a refused token would.
func refusesRecordOnly(status int, _, message string) bool {
	return status == http.StatusUnauthorized && message == "You are not authorized to do this action"
}

// ListConversations returns one page of conversations of every status. A
// backfill pages through them oldest first; an incremental pass asks for
// those updated since q.ModifiedSince, which Chatwoot answers in one
// unpaginated response.
func (c *Client) ListConversations(ctx context.Context, q fetcher.ConversationQuery) (*fetcher.ConversationPage, error) {
	if c.public != "" {
		return c.listPublicConversations(ctx)
	}
	if !q.ModifiedSince.IsZero() && q.Cursor == "" {
		// Asked once: an answer too large or too slow is paged instead, and
		// asking again would only wait as long again. Another passing
		// fault (a 502, say) gets the usual retries.
		page, err := c.listUpdatedWithin(ctx, q.ModifiedSince, true)
		var transient *fetcher.RetryableError
		if errors.As(err, &transient) && !tooLargeAnswer(ctx, err) {
			page, err = c.listUpdatedWithin(ctx, q.ModifiedSince, false)
		}
		if !tooLargeAnswer(ctx, err) {
			return page, err
		}
		// updated_within answers its whole window on one page, which after
		// a long outage can be larger than syncer reads, or than the server
		// answers in time: list the account page by page instead, from its
		// first page (a cursor goes on).
	}

	cur, err := parsePageCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	var resp listResponse
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "conversations.list", Path: c.account + "/conversations", Query: url.Values{
		"status": {"all"}, "assignee_type": {"all"}, "sort_by": {"created_at_asc"}, "page": {strconv.Itoa(cur.Page)},
	}}, &resp); err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{}
	for _, raw := range resp.Data.Payload {
		addConversation(raw, page)
	}
	var all int64 = -1 // not reported
	if resp.Data.Meta.AllCount != nil {
		all = int64(*resp.Data.Meta.AllCount)
	}
	if next, ok := cur.next(len(resp.Data.Payload), all); ok {
		page.NextCursor = next.String()
	}
	return page, nil
}

// tooLargeAnswer reports whether err says an answer was too large to have:
// larger than syncer reads, or so slow to come that the request timed out,
// before its headers or while its body came (or a gateway in front of
// Chatwoot gave up on it), while ctx had time left.
func tooLargeAnswer(ctx context.Context, err error) bool {
	var apiErr *fetcher.APIError
	if errors.As(err, &apiErr) {
		return apiErr.TooLarge()
	}
	var retryErr *fetcher.RetryableError
	if !errors.As(err, &retryErr) || ctx.Err() != nil {
		return false
	}
	return retryErr.Status == http.StatusGatewayTimeout || errors.Is(err, context.DeadlineExceeded)
}

// listUpdatedWithin lists the conversations updated since, on one page,
// asking once or with the client's retries. Chatwoot has no absolute
// "updated since": it asks for a window that reaches back to it, rounded up.
func (c *Client) listUpdatedWithin(ctx context.Context, since time.Time, once bool) (*fetcher.ConversationPage, error) {
	secs := int64(math.Ceil(time.Since(since).Seconds())) + 1
	var resp listResponse
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "conversations.list", Path: c.account + "/conversations", Query: url.Values{
		"status": {"all"}, "assignee_type": {"all"}, "updated_within": {strconv.FormatInt(max(secs, 1), 10)},
	}, Once: once}, &resp); err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{}
	for _, raw := range resp.Data.Payload {
		addConversation(raw, page)
	}
	return page, nil
}

func (c *Client) listPublicConversations(ctx context.Context) (*fetcher.ConversationPage, error) {
	var items requiredList
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "public.conversations", Path: c.public}, &items); err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{}
	for _, raw := range items {
		addConversation(raw, page)
	}
	return page, nil
}

// GetConversation returns one conversation.
func (c *Client) GetConversation(ctx context.Context, id string) (*fetcher.ConversationPage, error) {
	if c.public != "" {
		// The public API has no get: list the contact's few conversations.
		all, err := c.listPublicConversations(ctx)
		if err != nil {
			return nil, err
		}
		for _, conv := range all.Batch.Conversations {
			if conv.ID == id {
				page := &fetcher.ConversationPage{}
				addConversation(conv.Raw, page)
				return page, nil
			}
		}
		// One listed but unreadable is there, not gone: it goes back to
		// quarantine.
		for _, q := range all.Batch.Quarantined {
			if q.RecordID == id {
				page := &fetcher.ConversationPage{}
				page.Batch.Quarantined = append(page.Batch.Quarantined, q)
				return page, nil
			}
		}
		return nil, &fetcher.APIError{Endpoint: "public conversations", Status: http.StatusNotFound, Type: "not_found"}
	}
	var raw json.RawMessage
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "conversations.get", Path: c.account + "/conversations/" + url.PathEscape(id)}, &raw); err != nil {
		return nil, err
	}
	page := &fetcher.ConversationPage{}
	addConversation(raw, page)
	return page, nil
}

// ListMessages returns one page of a conversation's messages, read forward
// from its first: after=<id> serves up to 100 messages, so a complete read
// of a 150-message conversation costs two pages. Messages have no update
// time: a complete read is how edits and deletions at any depth are seen.
//
// Chatwoot orders an after= page by created_at and filters it by id, and the
// two need not agree (Rails sets created_at before the INSERT takes an id,
// so two messages created at once can have them in opposite orders; imported
// history has them anyhow). A page that is not full holds every message
// above the cursor, whatever their order. A full one is the earliest 100 by
// creation, so a message with a lower id than its highest but a later time
// is on no page after it: the ids it passed are checked with one more
// request (see passedIDs) before the next page starts above them.
//
// A Chatwoot from before after= (2022) ignores it and answers the latest 20
// messages, which would read as a whole history of 20. The read checks for
// that (see ignoredAfter), and on such a server goes back from the latest
// with before=, as the public API's reads do, taking nothing for deleted.
func (c *Client) ListMessages(ctx context.Context, q fetcher.MessageQuery) (*fetcher.MessagePage, error) {
	if c.public != "" {
		return c.listPublicMessages(ctx, q.ConversationID, q.Cursor)
	}
	if strings.HasPrefix(q.Cursor, "before:") {
		return c.listMessagesBack(ctx, q.ConversationID, q.Cursor)
	}
	cur, err := parseMessageCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	payload, err := c.messages(ctx, q.ConversationID, url.Values{"after": {strconv.FormatInt(cur.After, 10)}})
	if err != nil {
		return nil, err
	}
	ids := messageIDs(payload)
	back, err := c.ignoredAfter(ctx, q.ConversationID, cur.After, payload, lowestID(ids))
	if err != nil {
		return nil, err
	}
	if back != nil {
		return backPage(q.ConversationID, false, back...), nil
	}
	page := &fetcher.MessagePage{}
	next := cur
	onPage := map[int64]bool{}
	for i, raw := range payload {
		if id := ids[i]; id > 0 {
			onPage[id] = true
			next.After = max(next.After, id)
		}
		addMessage(q.ConversationID, raw, &page.Batch)
	}
	full := len(payload) >= messagesPerPage
	if !full || next.After == cur.After {
		// A full page whose ids could not be read gives no next page to
		// ask for: the read ends there, and takes nothing for deleted.
		page.Unreliable = next.Unordered || full
		return page, nil
	}
	checked, err := c.passedIDs(ctx, q.ConversationID, cur.After, next.After, onPage, &page.Batch)
	if err != nil {
		return nil, err
	}
	next.Unordered = next.Unordered || !checked
	page.NextCursor = next.String()
	return page, nil
}

// ignoredAfter tells whether the server ignored after= in answering page, as
// Chatwoot did before 2022, serving its latest 20 messages instead; if so it
// returns the answers to go back from, nil otherwise. A page with an id at
// or below after says so at once. So may a page of exactly 20 (fewer are
// the whole history either way, more come from a server that serves after=):
// one before=<its lowest id> request tells, since today's server has put
// every message above after on the page, while an old one answers older
// messages it skipped. lowest is the page's lowest id (0 when none reads).
func (c *Client) ignoredAfter(ctx context.Context, conversationID string, after int64, page []json.RawMessage, lowest int64) ([][]json.RawMessage, error) {
	if lowest > 0 && lowest <= after {
		return [][]json.RawMessage{page}, nil
	}
	if len(page) != publicMessagesPerPage || lowest <= 0 {
		return nil, nil
	}
	older, err := c.messages(ctx, conversationID, url.Values{"before": {strconv.FormatInt(lowest, 10)}})
	if err != nil {
		return nil, err
	}
	for _, raw := range older {
		if messageID(raw) > after {
			return [][]json.RawMessage{page, older}, nil
		}
	}
	return nil, nil
}

// listMessagesBack goes on with a read going back with before=, once the
// server was found to ignore after= (see ignoredAfter).
func (c *Client) listMessagesBack(ctx context.Context, conversationID, cursor string) (*fetcher.MessagePage, error) {
	query, err := beforeQuery(cursor)
	if err != nil {
		return nil, err
	}
	payload, err := c.messages(ctx, conversationID, query)
	if err != nil {
		return nil, err
	}
	return backPage(conversationID, false, payload), nil
}

// passedIDs reads every message whose id a full page passed, those above
// after and below upTo (the page's highest), with after=…&before=… (up to
// 1000, by creation), and adds to b those the page did not hold. It reports
// false when it cannot vouch for the range: a thousand messages or more, or
// an answer that is not that range (without the page's own, or with upTo: a
// Chatwoot that does not serve after= and before= together); the read then
// takes nothing for deleted.
func (c *Client) passedIDs(ctx context.Context, conversationID string, after, upTo int64, onPage map[int64]bool, b *record.Batch) (bool, error) {
	payload, err := c.messages(ctx, conversationID, url.Values{
		"after": {strconv.FormatInt(after+1, 10)}, "before": {strconv.FormatInt(upTo, 10)},
	})
	if err != nil || len(payload) >= messagesBetween {
		return false, err
	}
	inRange := map[int64]bool{}
	var missed []json.RawMessage
	for _, raw := range payload {
		id := messageID(raw)
		if id >= upTo {
			return false, nil
		}
		inRange[id] = true
		if !onPage[id] {
			missed = append(missed, raw)
		}
	}
	for id := range onPage {
		if id != upTo && !inRange[id] {
			return false, nil
		}
	}
	for _, raw := range missed {
		addMessage(conversationID, raw, b)
	}
	return true, nil
}

// messages sends one request for a conversation's messages.
func (c *Client) messages(ctx context.Context, conversationID string, query url.Values) ([]json.RawMessage, error) {
	var resp messagesResponse
	_, err := c.http.GetJSON(ctx, fetcher.Request{
		Name: "conversations.messages", Path: c.account + "/conversations/" + url.PathEscape(conversationID) + "/messages", Query: query,
	}, &resp)
	return resp.Payload, err
}

// messageID is a message's id, 0 when it cannot be read.
func messageID(raw json.RawMessage) int64 {
	var m struct {
		ID fetcher.Int `json:"id"`
	}
	if json.Unmarshal(raw, &m) != nil || m.ID <= 0 {
		return 0
	}
	return int64(m.ID)
}

// listPublicMessages reads a conversation of the public client API, which
// serves its latest 20 messages, and with before=<id> the 20 before it: the
// read goes back from the latest to the first (see backPage).
func (c *Client) listPublicMessages(ctx context.Context, conversationID, cursor string) (*fetcher.MessagePage, error) {
	query := url.Values{}
	if cursor != "" {
		var err error
		if query, err = beforeQuery(cursor); err != nil {
			return nil, err
		}
	}
	var items requiredList
	if _, err := c.http.GetJSON(ctx, fetcher.Request{Name: "public.messages", Path: c.public + "/" + url.PathEscape(conversationID) + "/messages", Query: query}, &items); err != nil {
		return nil, err
	}
	return backPage(conversationID, cursor == "", items), nil
}

// beforeQuery is the query of a "before:<id>" cursor.
func beforeQuery(cursor string) (url.Values, error) {
	before, ok := strings.CutPrefix(cursor, "before:")
	if _, err := strconv.ParseInt(before, 10, 64); !ok || err != nil {
		return nil, fmt.Errorf("chatwoot: bad message cursor %q", cursor)
	}
	return url.Values{"before": {before}}, nil
}

// backPage is a page of a read that goes back from the latest message, 20
// at a time: the answers' messages, and while the last answer is full, a
// cursor before its lowest id. Only a history of fewer than 20 messages,
// one answer (whole says the page is the read's first), may reconcile:
// Chatwoot orders each answer by creation and filters it by id, so across
// answers a message whose id and creation time disagree can be passed over
// (and is not mirrored), and nothing is taken for deleted on the strength
// of several.
func backPage(conversationID string, whole bool, answers ...[]json.RawMessage) *fetcher.MessagePage {
	page := &fetcher.MessagePage{}
	for _, answer := range answers {
		for _, raw := range answer {
			addMessage(conversationID, raw, &page.Batch)
		}
	}
	last := answers[len(answers)-1]
	full := len(last) >= publicMessagesPerPage
	if oldest := lowestID(messageIDs(last)); full && oldest > 0 {
		page.NextCursor = "before:" + strconv.FormatInt(oldest, 10)
		return page
	}
	page.Unreliable = !whole || len(answers) > 1 || full
	return page
}

// messageIDs are each message's id, 0 when unreadable.
func messageIDs(msgs []json.RawMessage) []int64 {
	ids := make([]int64, len(msgs))
	for i, raw := range msgs {
		ids[i] = messageID(raw)
	}
	return ids
}

// lowestID is the lowest of ids, 0 when none was read.
func lowestID(ids []int64) int64 {
	var lowest int64
	for _, id := range ids {
		if id > 0 && (lowest == 0 || id < lowest) {
			lowest = id
		}
	}
	return lowest
}

// messageCursor is where a read of a conversation's messages stands: after
// which id, and whether the ids a full page passed could not all be checked
// (see passedIDs).
type messageCursor struct {
	After     int64
	Unordered bool
}

func (m messageCursor) String() string {
	if m.Unordered {
		return fmt.Sprintf("after:%d:unordered", m.After)
	}
	return fmt.Sprintf("after:%d", m.After)
}

func parseMessageCursor(s string) (messageCursor, error) {
	var m messageCursor
	if s == "" {
		return m, nil
	}
	rest, ok := strings.CutPrefix(s, "after:")
	rest, m.Unordered = strings.CutSuffix(rest, ":unordered")
	after, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || after < 0 {
		return m, fmt.Errorf("chatwoot: bad message cursor %q", s)
	}
	m.After = after
	return m, nil
}

// PacerConfig is how Chatwoot's rate limit is paced: rack-attack counts
// per period aligned to the clock (a minute unless window says otherwise),
// so a 429, which says nothing of how long to wait, waits for the next
// window; the rate is learned from the 429s unless limit states it.
func PacerConfig(limit fetcher.RateLimit, window time.Duration) fetcher.PacerConfig {
	if window <= 0 {
		window = time.Minute
	}
	return fetcher.PacerConfig{Limit: limit, AlignedWindow: window}
}

// Pacer returns the pacer of the client's requests.
func (c *Client) Pacer() *fetcher.Pacer { return c.http.Pacer() }

// pageCursor is where a backfill's listing stands: the next page number,
// the conversation count the previous page reported, and the server's page
// size as learned so far (0 before the first page).
type pageCursor struct {
	Page     int
	AllCount int64
	PerPage  int
}

// next is where the listing goes after reading p.Page, which held n
// conversations of all (-1: not reported), and false when the page was the
// last. A page is the last when it is empty, reaches all, or is shorter than
// the server's pages; but when all dropped since the previous page,
// conversations were deleted meanwhile and everything after them moved back,
// some of it onto pages already read: the walk then re-reads from as many
// pages back as the shift spans and one more (re-reading is idempotent),
// even from the last page, to which the shift may have moved nothing.
// Chatwoot counts before it reads the page, so a deletion between the two
// shifts a page whose count does not show it: the next page's count does,
// a page late.
func (p pageCursor) next(n int, all int64) (pageCursor, bool) {
	per := p.learn(n, all)
	last := n == 0 || n < per || (all >= 0 && int64((p.Page-1)*per+n) >= all)
	next := pageCursor{Page: p.Page + 1, AllCount: p.AllCount, PerPage: max(per, n)}
	if all < 0 {
		return next, !last
	}
	next.AllCount = all
	if p.AllCount > 0 && all < p.AllCount {
		size := int64(max(next.PerPage, 1))
		back := int((p.AllCount-all+size-1)/size) + 1
		next.Page = max(p.Page-back, 1)
		return next, true
	}
	return next, !last
}

// learn is the page size to judge a page of n conversations (of all, -1:
// not reported) by. The first page tells it when all says more exist: a
// page before the last is full. Without all, Chatwoot's default is assumed.
// A size learned too small (a conversation deleted between the count and
// the page) only costs a request more; too large, it would end the walk
// early, and n can only be larger when the learned size is too small.
func (p pageCursor) learn(n int, all int64) int {
	switch {
	case p.PerPage > 0:
		return p.PerPage
	case all < 0:
		return defaultConversationsPerPage
	case int64(n) < all:
		return n
	}
	return 0 // the only page, or empty: nothing to learn, and nothing follows
}

// String writes the cursor; one without a page size is as cursors were
// before the size was learned.
func (p pageCursor) String() string {
	if p.PerPage <= 0 {
		return fmt.Sprintf("page:%d:all:%d", p.Page, p.AllCount)
	}
	return fmt.Sprintf("page:%d:all:%d:per:%d", p.Page, p.AllCount, p.PerPage)
}

// parsePageCursor reads a cursor String wrote. Cursors are stored between
// runs, and those from before the page size was learned have none: they
// were only written after a page of 25 or more, so the server's pages are
// at least that long.
func parsePageCursor(s string) (pageCursor, error) {
	if s == "" {
		return pageCursor{Page: 1}, nil
	}
	bad := fmt.Errorf("chatwoot: bad conversation cursor %q", s)
	f := strings.Split(s, ":")
	if (len(f) != 4 && len(f) != 6) || f[0] != "page" || f[2] != "all" || (len(f) == 6 && f[4] != "per") {
		return pageCursor{}, bad
	}
	p := pageCursor{PerPage: defaultConversationsPerPage}
	var errs [3]error
	p.Page, errs[0] = strconv.Atoi(f[1])
	p.AllCount, errs[1] = strconv.ParseInt(f[3], 10, 64)
	if len(f) == 6 {
		p.PerPage, errs[2] = strconv.Atoi(f[5])
	}
	if errors.Join(errs[:]...) != nil || p.Page < 1 || p.AllCount < 0 || p.PerPage < 1 {
		return pageCursor{}, bad
	}
	return p, nil
}

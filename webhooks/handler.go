// Package webhooks receives the vendors' webhooks: POST /webhooks/<source>.
// A delivery is checked by its source (signature, age), then only names the
// conversations to read again from the API: nothing from its body is ever
// written to the mirror. So a forged, replayed, duplicated or out-of-order
// event costs at worst one fetch.
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/fetcher"
)

// MaxBody is the largest delivery accepted: vendors' events are a few KB.
const MaxBody = 1 << 20

// answerWithin bounds the work a delivery does before it is answered:
// DevRev waits 3 s, then retries.
const answerWithin = 2500 * time.Millisecond

// Outcomes of a delivery besides the sources' refusals (see fetcher's
// WebhookBadSignature and the others), as metrics label them.
const (
	outcomeQueued        = "queued"
	outcomeDuplicate     = "duplicate"
	outcomeIgnored       = "ignored"
	outcomeHandshake     = "handshake"
	outcomeUnknownSource = "unknown_source"
	outcomeTooLarge      = "too_large"
	outcomeBadMethod     = "bad_method"
	outcomeUnavailable   = "unavailable"
)

// Config is what the handler works with.
type Config struct {
	// Sources are the configured sources by name; those that implement
	// fetcher.WebhookReceiver accept webhooks.
	Sources map[string]fetcher.Source
	// Queue queues a re-read of conversations of source; an error means the
	// database cannot take it, and the vendor should deliver again.
	Queue func(ctx context.Context, source string, ids []string, eventAt time.Time) error
	// Noted hears every authentic delivery taken (queued or ignored), for
	// the source's activity.
	Noted func(source string)
	// Observe counts deliveries by source, type and outcome.
	Observe func(source, eventType, outcome string)
	Log     zerolog.Logger
	// Now is the clock events are dated against. Defaults to time.Now.
	Now func() time.Time
}

// Handler serves POST /webhooks/{source}.
type Handler struct {
	cfg  Config
	seen *recent
	logs *logLimiter
}

// New returns the handler.
func New(cfg Config) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg, seen: newRecent(10*time.Minute, 100_000), logs: newLogLimiter(time.Minute)}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The path's name is the caller's: it labels metrics only once it
	// names a source that takes webhooks.
	name := r.PathValue("source")
	recv, ok := h.cfg.Sources[name].(fetcher.WebhookReceiver)
	if !ok {
		name = ""
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, name, "", outcomeBadMethod, http.StatusMethodNotAllowed, errors.New("webhooks are POSTed"))
		return
	}
	if !ok {
		h.refuse(w, "", "", outcomeUnknownSource, http.StatusNotFound, errors.New("no source of that name takes webhooks"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		h.refuse(w, name, "", outcomeTooLarge, http.StatusRequestEntityTooLarge, err)
		return
	}
	if err != nil { // cut off or too slow: nothing to judge
		h.refuse(w, name, "", fetcher.WebhookMalformed, http.StatusBadRequest, fmt.Errorf("read the body: %w", err))
		return
	}
	d, err := recv.ReceiveWebhook(r.Header, body, h.cfg.Now())
	var refused *fetcher.WebhookError
	if errors.As(err, &refused) {
		status := http.StatusUnauthorized
		if refused.Outcome == fetcher.WebhookMalformed {
			status = http.StatusBadRequest
		}
		h.refuse(w, name, "", refused.Outcome, status, err)
		return
	}
	if err != nil {
		h.refuse(w, name, "", fetcher.WebhookMalformed, http.StatusBadRequest, err)
		return
	}
	h.accept(w, r.Context(), name, d)
}

// accept answers an authentic delivery, once its re-reads are queued.
func (h *Handler) accept(w http.ResponseWriter, ctx context.Context, source string, d *fetcher.WebhookDelivery) {
	typ := d.Type // one of the vendor's known types (fetcher.EventType)
	key := deliveryKey(source, d.ID)
	switch {
	case d.Reply != nil:
		h.observe(source, typ, outcomeHandshake)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(d.Reply)
		return
	case d.ID != "" && h.seen.has(key):
		h.observe(source, typ, outcomeDuplicate)
		w.WriteHeader(http.StatusOK)
		return
	}
	outcome := outcomeIgnored
	if len(d.ConversationIDs) > 0 {
		ctx, cancel := context.WithTimeout(ctx, answerWithin)
		defer cancel()
		at := d.At
		if at.IsZero() {
			at = h.cfg.Now()
		}
		if err := h.cfg.Queue(ctx, source, d.ConversationIDs, at); err != nil {
			// Not marked seen: the vendor's next delivery is taken.
			h.refuse(w, source, typ, outcomeUnavailable, http.StatusServiceUnavailable, err)
			return
		}
		outcome = outcomeQueued
	}
	if d.ID != "" {
		h.seen.add(key)
	}
	// Only a delivery taken says the webhook works: one answered 503 above
	// may never come again (Chatwoot does not retry), and the recheck of
	// open conversations must not slow down on its account.
	if h.cfg.Noted != nil {
		h.cfg.Noted(source)
	}
	h.observe(source, typ, outcome)
	w.WriteHeader(http.StatusOK)
}

// refuse answers a delivery that changes nothing, counts it, and logs it at
// most once a minute per source and outcome: a flood of forged requests must
// not flood the log.
func (h *Handler) refuse(w http.ResponseWriter, source, typ, outcome string, status int, err error) {
	h.observe(source, typ, outcome)
	if n, ok := h.logs.allow(source + "\x00" + outcome); ok {
		h.cfg.Log.Warn().Str("source", source).Str("outcome", outcome).Int("status", status).
			Int("refused_since_last_log", n).Err(err).Msg("webhook refused")
	}
	http.Error(w, strings.ReplaceAll(outcome, "_", " "), status)
}

func (h *Handler) observe(source, typ, outcome string) {
	if h.cfg.Observe == nil {
		return
	}
	if source == "" {
		source = "unknown"
	}
	if typ == "" {
		typ = "unknown"
	}
	h.cfg.Observe(source, typ, outcome)
}

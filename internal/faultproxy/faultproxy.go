// Package faultproxy wraps a fake vendor API and breaks some of its answers
// on purpose (truncated JSON, HTML with status 200, frozen cursors, duplicate
// records…), so tests can prove that syncer survives what real APIs and the
// proxies in front of them do.
package faultproxy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault rewrites one exchange. next serves the real answer.
type Fault func(w http.ResponseWriter, r *http.Request, next http.Handler)

// Rule applies Fault to requests whose path ends with PathSuffix, the first
// Times matching requests (0: all of them).
type Rule struct {
	PathSuffix string
	Times      int
	Fault      Fault
}

// Proxy is an http.Handler that applies rules in front of next.
type Proxy struct {
	next  http.Handler
	mu    sync.Mutex
	rules []*ruleState
}

type ruleState struct {
	Rule
	applied int
}

// New returns a proxy in front of next.
func New(next http.Handler, rules ...Rule) *Proxy {
	p := &Proxy{next: next}
	for _, r := range rules {
		p.rules = append(p.rules, &ruleState{Rule: r})
	}
	return p
}

// Applied reports how many times the rule at index i fired.
func (p *Proxy) Applied(i int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rules[i].applied
}

// SetRules replaces the rules.
func (p *Proxy) SetRules(rules ...Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
	for _, r := range rules {
		p.rules = append(p.rules, &ruleState{Rule: r})
	}
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if fault := p.match(r); fault != nil {
		fault(w, r, p.next)
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p *Proxy) match(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rule := range p.rules {
		if !strings.HasSuffix(r.URL.Path, rule.PathSuffix) {
			continue
		}
		if rule.Times > 0 && rule.applied >= rule.Times {
			continue
		}
		rule.applied++
		return rule.Fault
	}
	return nil
}

// record serves the real answer into a recorder.
func record(r *http.Request, next http.Handler) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	return rec
}

// Truncated sends the first half of the real body.
func Truncated() Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		body := record(r, next).Body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:len(body)/2])
	}
}

// HTML200 answers an HTML error page with status 200, as a misconfigured
// proxy or a captive portal does.
func HTML200() Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	}
}

// EmptyBody answers 200 with nothing.
func EmptyBody() Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
	}
}

// Status answers code with body.
func Status(code int, body string) Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// RateLimited answers 429 as DevRev does: Retry-After in seconds and
// {"type":"too_many_requests","retry_after":…}.
func RateLimited(seconds int) Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"type":"too_many_requests","message":"slow down","retry_after":` + strconv.Itoa(seconds) + `}`))
	}
}

// Huge answers a valid JSON body of about n bytes.
func Huge(n int) Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"padding":"` + strings.Repeat("x", n) + `"}`))
	}
}

// Slow holds the answer for d (or until the client gives up).
func Slow(d time.Duration) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		next.ServeHTTP(w, r)
	}
}

// RewriteJSON serves the real answer with its JSON object rewritten by fn.
func RewriteJSON(fn func(r *http.Request, body map[string]any)) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(r, next)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			copyResponse(w, rec)
			return
		}
		fn(r, body)
		out, _ := json.Marshal(body)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		_, _ = w.Write(out)
	}
}

// FreezeCursor answers with next_cursor equal to the request's cursor, so
// that the listing never advances.
func FreezeCursor() Fault {
	return RewriteJSON(func(r *http.Request, body map[string]any) {
		if c := r.URL.Query().Get("cursor"); c != "" {
			body["next_cursor"] = c
		} else if _, ok := body["next_cursor"]; !ok {
			body["next_cursor"] = "stuck"
		}
	})
}

// DuplicateFirst repeats the first element of the array under key.
func DuplicateFirst(key string) Fault {
	return RewriteJSON(func(_ *http.Request, body map[string]any) {
		if items, ok := body[key].([]any); ok && len(items) > 0 {
			body[key] = append(items, items[0])
		}
	})
}

// CorruptFirst replaces field of the first element of the array under key
// with value (a wrong type, say).
func CorruptFirst(key, field string, value any) Fault {
	return RewriteJSON(func(_ *http.Request, body map[string]any) {
		if items, ok := body[key].([]any); ok && len(items) > 0 {
			if item, ok := items[0].(map[string]any); ok {
				item[field] = value
			}
		}
	})
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(bytes.Clone(rec.Body.Bytes()))
}

package devrevtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// params holds a read request's parameters in one shape whatever its form:
// the GET query string (dotted names, comma-separated arrays) or the POST JSON
// body (nested objects and JSON arrays), flattened to the same dotted names.
// One parser per endpoint then serves both forms, so they cannot drift apart.
type params struct {
	vals  map[string][]string
	query bool // arrays are comma-separated strings
}

const maxBody = 1 << 20

func readParams(r *http.Request) (params, error) {
	if r.Method == http.MethodGet {
		return params{vals: r.URL.Query(), query: true}, nil
	}
	body, err := readBody(r)
	if err != nil {
		return params{}, err
	}
	p := params{vals: map[string][]string{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return params{}, fmt.Errorf("request body is not a JSON object: %w", err)
	}
	flatten("", v, p.vals)
	return p, nil
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxBody {
		return nil, errors.New("request body too large")
	}
	return body, nil
}

// flatten turns {"modified_date":{"after":x}} into "modified_date.after": [x].
// Objects inside arrays have no dotted form; no read parameter we serve uses
// them, so they are dropped.
func flatten(prefix string, v any, out map[string][]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(k, sub, out)
		}
	case []any:
		out[prefix] = []string{} // present, even if empty
		for _, el := range v {
			if s, ok := scalar(el); ok {
				out[prefix] = append(out[prefix], s)
			}
		}
	default:
		if s, ok := scalar(v); ok {
			out[prefix] = []string{s}
		}
	}
}

func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func (p params) str(name string) string {
	if v := p.vals[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list returns an array parameter; the GET form allows both repeated names and
// comma-separated values.
func (p params) list(name string) []string {
	var out []string
	for _, v := range p.vals[name] {
		if !p.query {
			out = append(out, v)
			continue
		}
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// sortedList is list in canonical order, for filters.
func (p params) sortedList(name string) []string {
	l := p.list(name)
	sort.Strings(l)
	return l
}

// limit parses "limit": absent or 0 means def; above max is a 400, as the
// real API rejects oversized pages rather than clamping them.
func (p params) limit(def, maxLimit int) (int, error) {
	s := p.str("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n < 0:
		return 0, fmt.Errorf("limit must be a non-negative integer, got %q", s)
	case n == 0:
		return def, nil
	case n > maxLimit:
		return 0, fmt.Errorf("limit %d exceeds the maximum of %d", n, maxLimit)
	}
	return n, nil
}

// timestamp parses an RFC 3339 parameter (any number of fractional digits)
// into its canonical form.
func (p params) timestamp(name string) (string, error) {
	s := p.str(name)
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", fmt.Errorf("%s is not an RFC 3339 timestamp: %q", name, s)
	}
	return t.UTC().Format(time.RFC3339Nano), nil
}

func (p params) mode() (string, error) {
	switch m := p.str("mode"); m {
	case "", "after", "before":
		return m, nil
	default:
		return "", fmt.Errorf("mode must be after or before, got %q", m)
	}
}

package fetcher

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// Int is an integer as vendors send it: a JSON number, integral or not (then
// truncated), or a numeric string. null and "" leave it as it was, zero in a
// fresh value. Anything else is an error. It decodes the same under
// encoding/json and under github.com/go-json-experiment/json, which DevRev's
// pages use.
type Int int64

// UnmarshalJSON decodes an Int for encoding/json.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("number %s: %w", b, err)
		}
		return n.parse(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		return n.parse(string(b))
	default:
		return fmt.Errorf("number %.40s: not a number", b)
	}
}

// UnmarshalJSONFrom decodes an Int for github.com/go-json-experiment/json,
// reading the token in place rather than a copy of the value.
func (n *Int) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '"', '0':
		return n.parse(tok.String())
	default:
		return fmt.Errorf("number %s: not a number", tok)
	}
}

func (n *Int) parse(s string) error {
	if s == "" || s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %q: %w", s, err)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1<<63 {
		return fmt.Errorf("number %q: not an integer of 64 bits", s)
	}
	*n = Int(f)
	return nil
}

// Ptr is n as a nullable column's value: nil for a nil n.
func (n *Int) Ptr() *int64 {
	if n == nil {
		return nil
	}
	v := int64(*n)
	return &v
}

func (n Int) String() string { return strconv.FormatInt(int64(n), 10) }

package fetcher

import (
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
	v, err := scalarOf(b)
	if err != nil {
		return fmt.Errorf("number %.40s: %w", b, err)
	}
	return n.set(v)
}

// UnmarshalJSONFrom decodes an Int for github.com/go-json-experiment/json.
func (n *Int) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := scalarFrom(dec)
	if err != nil {
		return err
	}
	return n.set(v)
}

func (n *Int) set(v scalar) error {
	switch v.kind {
	case 'n':
		return nil
	case '"', '0':
		return n.parse(v.text)
	default:
		return fmt.Errorf("number %.40s: not a number", v.text)
	}
}

func (n *Int) parse(s string) error {
	if s == "" || s == "null" {
		return nil
	}
	// An integer is read as one: through a float, one above 2^53 would
	// round to another id.
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int(i)
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

package fetcher

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/go-json-experiment/json/jsontext"
)

// scalar is a JSON value as the lenient types (Int, Time, UnixTime) read
// it, under either decoder: its kind as jsontext names kinds ('n' null, '"'
// string, '0' number; another value's first byte), and its text (a
// string's contents).
type scalar struct {
	kind byte
	text string
}

// scalarOf reads the whole value encoding/json hands an Unmarshaler.
func scalarOf(b []byte) (scalar, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return scalar{}, errors.New("no value")
	case string(b) == "null":
		return scalar{kind: 'n'}, nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return scalar{}, err
		}
		return scalar{kind: '"', text: s}, nil
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		return scalar{kind: '0', text: string(b)}, nil
	default:
		return scalar{kind: b[0], text: string(b)}, nil
	}
}

// scalarFrom reads the next token of a go-json-experiment decoder in place,
// rather than a copy of the value.
func scalarFrom(dec *jsontext.Decoder) (scalar, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return scalar{}, err
	}
	return scalar{kind: byte(tok.Kind()), text: tok.String()}, nil
}

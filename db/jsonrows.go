package db

import (
	"encoding/json"
	"fmt"
)

// jsonRows encodes rows as one JSON array for jsonb_to_recordset, so that a
// page is written with one statement per table whatever its size.
//
// PostgreSQL's jsonb refuses the NUL character (\u0000) anywhere, in text
// fields and in the raw vendor documents alike, so it is removed here, once,
// for every table.
func jsonRows[T any](rows []T) ([]byte, error) {
	if len(rows) == 0 {
		// A nil slice would encode as null, which jsonb_to_recordset refuses;
		// an empty set of links is common (a page where no conversation has
		// an SLA) and means "none".
		return []byte("[]"), nil
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return nil, fmt.Errorf("encode %T rows: %w", rows, err)
	}
	return StripNULEscapes(b), nil
}

// StripNULEscapes removes every \u0000 escape from JSON text, leaving escaped
// backslashes (\\u0000 is the text `\u0000`, not a NUL) alone. JSON encoders
// never emit a raw NUL byte, so escapes are the only form to handle.
func StripNULEscapes(b []byte) []byte {
	out := b[:0:0]
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] == 'u' && i+5 < len(b) && string(b[i+2:i+6]) == "0000" {
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[start:i]...)
			start = i + 6
			i += 5
			continue
		}
		i++ // skip the escaped character, whatever it is
	}
	if out == nil {
		return b
	}
	return append(out, b[start:]...)
}

package db

import (
	"bytes"
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
	// A nil slice would encode as null, which jsonb_to_recordset refuses; an
	// empty set of links is common (a page where no conversation has an
	// SLA) and means "none".
	b := make([]byte, 0, 512*len(rows)+2)
	b = append(b, '[')
	for i, row := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		rowJSON, err := json.Marshal(row)
		if err != nil {
			return nil, fmt.Errorf("encode %T row: %w", row, err)
		}
		b = append(b, rowJSON...)
		// The vendor's raw record is spliced in as it is: json.Marshal
		// would validate and compact it again, which costs more than
		// encoding everything else. It came from decoding JSON, so it is
		// valid; a record without one gets {} (the column is NOT NULL).
		if r, ok := any(row).(rawRecord); ok {
			raw := r.RawJSON()
			if len(raw) == 0 {
				raw = json.RawMessage("{}")
			}
			b = append(b[:len(b)-1], `,"raw":`...)
			b = append(b, raw...)
			b = append(b, '}')
		}
	}
	b = append(b, ']')
	return StripNULEscapes(b), nil
}

// sendJSON runs a statement that reads rows as one JSON array (see
// jsonRows); action names it in the error.
func sendJSON[T any](rows []T, action string, exec func(rowsJSON []byte) error) error {
	b, err := jsonRows(rows)
	if err != nil {
		return err
	}
	if err := exec(b); err != nil {
		return fmt.Errorf("%s (%d rows): %w", action, len(rows), err)
	}
	return nil
}

// rawRecord is a record that carries the vendor's JSON for the raw column.
type rawRecord interface {
	RawJSON() json.RawMessage
}

// StripNULEscapes removes every \u0000 escape from JSON text, leaving escaped
// backslashes (\\u0000 is the text `\u0000`, not a NUL) alone. JSON encoders
// never emit a raw NUL byte, so escapes are the only form to handle.
func StripNULEscapes(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return b // the common case, found with a vectorized search
	}
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

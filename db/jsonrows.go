package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// jsonRows encodes rows as one JSON array for jsonb_to_recordset, so that a
// page is written with one statement per table whatever its size.
//
// PostgreSQL's jsonb refuses the NUL character (\u0000) anywhere, in text
// fields and in the raw vendor documents alike, and more in the raw documents,
// which are spliced in as they came (see CleanJSON): they are cleaned here,
// once, for every table.
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
		// valid JSON; the whole array is cleaned for jsonb below.
		if r, ok := any(row).(rawRecord); ok {
			raw := rawOrEmpty(r.RawJSON())
			b = append(b[:len(b)-1], `,"raw":`...)
			b = append(b, raw...)
			b = append(b, '}')
		}
	}
	b = append(b, ']')
	return CleanJSON(b), nil
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

// CleanJSON makes JSON text storable as jsonb. PostgreSQL refuses the NUL
// character (\u0000), bytes that are not UTF-8, and an escape of half a
// surrogate pair (a JavaScript back end that cut an emoji in two), and would
// fail the whole page on every retry, though the record decoded: Go decodes
// the last two as U+FFFD. NULs are removed; the others become U+FFFD too.
func CleanJSON(b []byte) []byte {
	// In this order: removing a NUL first could join what surrounds it into
	// a character or a pair.
	if !utf8.Valid(b) {
		b = toValidUTF8(b)
	}
	return StripNULEscapes(replaceLoneSurrogates(b))
}

// toValidUTF8 replaces each byte that starts no UTF-8 character with U+FFFD,
// one for one, as Go's JSON decoder reads them.
func toValidUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// replaceLoneSurrogates replaces with \uFFFD each \uD800–\uDFFF escape that
// is not half of a pair (a high one followed at once by a low one), leaving
// escaped backslashes alone (\\uD800 is the text `\uD800`).
func replaceLoneSurrogates(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\ud`)) && !bytes.Contains(b, []byte(`\uD`)) {
		return b // the common case
	}
	var out []byte
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // skip the escaped character, whatever it is
			continue
		}
		r := escapedRune(b, i)
		paired := r >= 0xD800 && r < 0xDC00 && escapedRune(b, i+6) >= 0xDC00 && escapedRune(b, i+6) < 0xE000
		switch {
		case paired:
			i += 11
		case r >= 0xD800 && r < 0xE000:
			out = append(append(out, b[start:i]...), `\uFFFD`...)
			start = i + 6
			i += 5
		default:
			i += 5
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[start:]...)
}

// escapedRune is the code unit of the \uXXXX escape at b[i:], or -1.
func escapedRune(b []byte, i int) int {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return -1
	}
	r, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
	if err != nil {
		return -1
	}
	return int(r)
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

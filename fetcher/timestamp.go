package fetcher

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// CheckTime refuses a time outside the years 1900 to 2200 (a vendor's bug,
// or milliseconds read as seconds), which would poison every query on the
// mirror, and returns the others in UTC.
func CheckTime(t time.Time) (time.Time, error) {
	if y := t.Year(); y < 1900 || y > 2200 {
		return time.Time{}, fmt.Errorf("year %d out of range", y)
	}
	return t.UTC(), nil
}

// ParseTime parses an RFC 3339 timestamp with any number of fractional
// digits, and checks it with CheckTime.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return CheckTime(t)
}

// Time is a timestamp as an ISO 8601 string: RFC 3339 with any number of
// fractional digits, leniently also without a zone (then UTC), with a space
// for the T, or a date alone. null and "" are the zero time; a number is
// refused, as DevRev never sends one. A year outside 1900 to 2200 is refused
// (see CheckTime). It decodes the same under encoding/json and under
// github.com/go-json-experiment/json.
type Time struct{ time.Time }

// UnixTime is a timestamp as Chatwoot and Chatvolt send it: a number of Unix
// seconds, integral or not, as a JSON number or a numeric string (0 is the
// zero time, a negative number is refused); a number beyond 1e11 is
// milliseconds. An ISO 8601 string is read as Time reads it.
type UnixTime struct{ time.Time }

// The decoding methods: UnmarshalJSON for encoding/json, UnmarshalJSONFrom
// for github.com/go-json-experiment/json.

func (t *Time) UnmarshalJSON(b []byte) (err error) {
	t.Time, err = isoForm.of(scalarOf(b))
	return err
}

func (t *UnixTime) UnmarshalJSON(b []byte) (err error) {
	t.Time, err = unixForm.of(scalarOf(b))
	return err
}

func (t *Time) UnmarshalJSONFrom(dec *jsontext.Decoder) (err error) {
	t.Time, err = isoForm.of(scalarFrom(dec))
	return err
}

func (t *UnixTime) UnmarshalJSONFrom(dec *jsontext.Decoder) (err error) {
	t.Time, err = unixForm.of(scalarFrom(dec))
	return err
}

// timeForm says whether a timestamp may be a number (UnixTime) or not
// (Time).
type timeForm bool

const (
	isoForm  timeForm = false
	unixForm timeForm = true
)

// of is the time v holds, or readErr, the error reading v.
func (f timeForm) of(v scalar, readErr error) (time.Time, error) {
	unix := bool(f)
	switch {
	case readErr != nil:
		return time.Time{}, fmt.Errorf("timestamp: %w", readErr)
	case v.kind == 'n':
		return time.Time{}, nil
	case v.kind == '"', unix && v.kind == '0':
		return parseTimestamp(v.text, unix)
	case unix:
		return time.Time{}, fmt.Errorf("timestamp %.40s: neither a string nor a number", v.text)
	default:
		return time.Time{}, fmt.Errorf("timestamp %.40s: not a string", v.text)
	}
}

// parseTimestamp reads RFC 3339 first, the form almost every timestamp has.
func parseTimestamp(s string, unix bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" || unix && s == "0" {
		return time.Time{}, nil
	}
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		parsed, err = parseLenient(s, unix)
	}
	if err == nil {
		parsed, err = CheckTime(parsed)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: %w", s, err)
	}
	return parsed, nil
}

// parseLenient reads the looser ISO 8601 forms and, if unix, a number of
// Unix seconds or milliseconds.
func parseLenient(s string, unix bool) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); unix && err == nil {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, errors.New("not a number of seconds since 1970")
		}
		if f > 1e11 {
			f /= 1000
		}
		sec, frac := math.Modf(f)
		// Microseconds are what PostgreSQL keeps; rounding there keeps a
		// float's noise out of the mirror.
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3), nil
	}
	for _, layout := range [...]string{
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		time.DateOnly,
	} {
		if parsed, err := time.Parse(layout, s); err == nil {
			return parsed, nil
		}
	}
	if unix {
		return time.Time{}, errors.New("not ISO 8601 nor a number")
	}
	return time.Time{}, errors.New("not ISO 8601")
}

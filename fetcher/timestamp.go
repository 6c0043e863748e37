package fetcher

import (
	"fmt"
	"time"
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

package fetcher

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// RateLimitedError means a request must wait for the rate limit longer than
// is worth waiting inline: the budget the vendor announced is spent, or the
// vendor refused a request (429) and asked to wait. The caller should try
// again after Wait; it is a normal state, not a failure.
type RateLimitedError struct {
	Endpoint string
	Wait     time.Duration
	// Refused is set when the vendor answered with a rate-limit status:
	// something other processes sharing the source may not know yet. A
	// spent budget they learn from their own answers' headers.
	Refused bool
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("%s: rate limited, retry in %s", e.Endpoint, e.Wait.Round(time.Millisecond))
}

// ErrBrokenListing marks a listing that cannot be walked to its end however
// often it is tried: the vendor's answers contradict its own paging. The
// jobs give its pass up rather than retry the same page for ever.
var ErrBrokenListing = errors.New("the listing cannot be walked to its end")

// RetryableError is a failure that may pass: a 5xx, a timeout, a broken
// connection or a garbled body. The caller should retry with backoff.
type RetryableError struct {
	Endpoint string
	Status   int // 0 when no response arrived
	Err      error
}

func (e *RetryableError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: HTTP %d: %v", e.Endpoint, e.Status, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Endpoint, e.Err)
}

func (e *RetryableError) Unwrap() error { return e.Err }

// typeBodyTooLarge is the APIError.Type of an answer larger than
// Config.MaxBodyBytes, which syncer gives, not the vendor.
const typeBodyTooLarge = "body_too_large"

// APIError is a 4xx answer other than a rate limit, or an answer too large
// to read: retrying the same request will not help. Type and Message are
// the vendor's own, but for typeBodyTooLarge.
type APIError struct {
	Endpoint string
	Status   int
	Type     string
	Message  string
	// RecordOnly marks a 401 or 403 that refuses the record asked for,
	// not the credentials (see Config.RecordRefusalFunc).
	RecordOnly bool
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", e.Endpoint, e.Status)
	if e.Type != "" {
		msg += " " + e.Type
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// TooLarge reports whether the answer was larger than Config.MaxBodyBytes
// and was not read.
func (e *APIError) TooLarge() bool { return e.Type == typeBodyTooLarge }

// IsAuth reports whether the credentials were refused: the source cannot go
// on until an operator fixes its token.
func (e *APIError) IsAuth() bool {
	return (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) && !e.RecordOnly
}

// IsNotFound reports whether the record is gone.
func (e *APIError) IsNotFound() bool { return e.Status == http.StatusNotFound }

// IsAuthError reports whether err is a refusal of the source's credentials.
func IsAuthError(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.IsAuth()
}

// IsRefusal reports whether err is a 401 or 403, of the credentials or of
// one record (APIError.RecordOnly).
func IsRefusal(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden)
}

// IsNotFound reports whether err says the requested record does not exist.
func IsNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.IsNotFound()
}

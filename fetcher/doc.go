// Package fetcher is the HTTP client every vendor package builds on: auth,
// timeouts, a User-Agent, bounded response bodies, inline retries of
// transient failures, pacing from the vendor's rate-limit headers, and typed
// errors that tell the caller what to do next (wait, retry, or give up).
//
// Vendor packages (fetcher/devrev, …) describe their API's quirks through
// Config; nothing here knows a vendor's wire format.
package fetcher

package config

// Secret is a credential. It prints as [redacted] however it is formatted or
// encoded, so that a token cannot reach a log line, an error or a status
// report by accident; Reveal is the one way to read it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the credential itself, for the HTTP client's auth header.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer (the %#v verb).
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps the secret out of JSON, YAML and log encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

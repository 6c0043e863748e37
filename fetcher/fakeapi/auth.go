package fakeapi

import (
	"net/http"
	"strings"
)

// BearerToken is the token of an "Authorization: Bearer <token>" header (the
// scheme in any case), or "" when the request carries none.
func BearerToken(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Accepts reports whether a fake that wants the credential want accepts
// presented: any request when want is "", as every fake's zero Options do,
// else only want itself.
func Accepts(want, presented string) bool {
	return want == "" || presented == want
}

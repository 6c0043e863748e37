package chatwoottest

import (
	"net/http"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// authenticate checks the api_access_token header.
func (s *Server) authenticate(r *http.Request) bool {
	return fakeapi.Accepts(s.opts.Token, r.Header.Get("api_access_token"))
}

// admit applies the rate limit the way rack-attack's throttle does: a
// counter per client and period, where the period is wall-clock time divided
// by the window, so windows start at fixed instants rather than at a
// client's first request (Options.RateShape can say otherwise). Over the
// limit it writes rack-attack's default response, which carries no
// Retry-After and no rate-limit headers (Options.RateHeaders adds the
// latter, as a deployment configured to send them would), and returns false.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) bool {
	d := s.Admit(r.Header.Get("api_access_token"))
	if s.opts.RateHeaders {
		d.SetHeaders(w.Header())
	}
	if d.Allowed {
		return true
	}
	writeText(w, http.StatusTooManyRequests, "text/plain", "Retry later\n")
	return false
}

// fail injects a transient failure with probability FailureRate, cycling
// through what a Chatwoot deployment returns when it struggles: the Rails
// app's 500, then the reverse proxy's 502 and 503 HTML pages.
func (s *Server) fail(w http.ResponseWriter) bool {
	return s.Fail(w,
		func(w http.ResponseWriter, _ int) {
			writeJSON(w, http.StatusInternalServerError, errorBody{Error: "Internal Server Error"})
		},
		nginxPage(http.StatusBadGateway, "502 Bad Gateway"),
		nginxPage(http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"),
	)
}

// nginxPage is a reverse proxy's error page.
func nginxPage(status int, title string) fakeapi.Fault {
	return func(w http.ResponseWriter, _ int) {
		writeText(w, status, "text/html", "<html>\r\n<head><title>"+title+"</title></head>\r\n<body>\r\n<center><h1>"+title+
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
	}
}

func writeText(w http.ResponseWriter, status int, contentType, body string) {
	fakeapi.WriteBody(w, status, contentType, []byte(body))
}

package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// TestListenersRefuseHugeHeaders: a listener, the webhook port among them,
// answers 431 to headers far beyond any vendor's, instead of reading a
// megabyte of them (Go's default) for a handler that may keep some.
func TestListenersRefuseHugeHeaders(t *testing.T) {
	t.Parallel()
	a := &app{log: zerolog.Nop()}
	srv, err := a.listen("127.0.0.1:0", "TEST_ADDR", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	require.NoError(t, err)
	t.Cleanup(srv.close)

	get := func(header string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL("/"), nil)
		require.NoError(t, err)
		req.Header.Set("X-Chatwoot-Delivery", header)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get(strings.Repeat("d", 1<<10)))
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, get(strings.Repeat("d", 512<<10)))
}

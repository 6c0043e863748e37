package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// TestRiverUIBehindBasicAuth: the daemon serves River UI on the admin
// address; with a user configured, every request needs it.
func TestRiverUIBehindBasicAuth(t *testing.T) {
	t.Parallel()
	fake := newFakeDevRev(t, 20, devrevtest.Options{Seed: 3})
	env := append(fake.env(dbtest.NewURL(t)), "SYNCER_ADMIN_USER=ops", "SYNCER_ADMIN_PASSWORD=s3cret-admin")
	_, logs := startDaemon(t, env)
	var ui string
	waitFor(t, "the daemon to log where River UI is", func() bool {
		m := regexp.MustCompile(`"river_ui":"([^"]+)"`).FindStringSubmatch(logs.String())
		if m != nil {
			ui = m[1]
		}
		return m != nil
	})
	get := func(path, user, password string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, strings.TrimSuffix(ui, "/riverui/")+path, nil)
		require.NoError(t, err)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, _ := get("/riverui/", "", "")
	require.Equal(t, http.StatusUnauthorized, code)
	code, _ = get("/riverui/api/queues", "ops", "wrong")
	require.Equal(t, http.StatusUnauthorized, code)
	code, page := get("/riverui/", "ops", "s3cret-admin")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, "<html")
	waitFor(t, "River UI to list the source's queue", func() bool {
		code, body := get("/riverui/api/queues", "ops", "s3cret-admin")
		return code == http.StatusOK && strings.Contains(body, `"name":"src_devrev"`)
	})
	require.NotContains(t, logs.String(), "s3cret-admin")
}

package fetcher

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/fakeapi/fakeapitest"
)

// TestReachSaysWhenTheAPIDoesNotAnswer: a request that gets no answer marks
// the source unreachable at once, with why; any answer, an error status
// included, marks it reachable again; each change is heard once.
func TestReachSaysWhenTheAPIDoesNotAnswer(t *testing.T) {
	t.Parallel()
	closedURL := "http://" + fakeapitest.ClosedAddr(t)

	var changes []ReachState
	reach := &Reach{URL: closedURL, OnChange: func(s ReachState) { changes = append(changes, s) }}
	client, err := New(Config{BaseURL: closedURL, Reach: reach, Attempts: 2})
	require.NoError(t, err)
	_, err = client.Do(t.Context(), Request{Method: http.MethodGet, Path: "/x"})
	require.Error(t, err)
	state := reach.State()
	require.False(t, state.Up())
	require.Equal(t, 2, state.Failures, "both attempts got no answer")
	require.Contains(t, state.LastError, "connection refused")
	require.Len(t, changes, 1)

	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(api.Close)
	client, err = New(Config{BaseURL: api.URL, Reach: reach, Attempts: 1})
	require.NoError(t, err)
	_, err = client.Do(t.Context(), Request{Method: http.MethodGet, Path: "/x"})
	require.Error(t, err)
	require.True(t, reach.State().Up(), "a 503 is an answer")
	require.Len(t, changes, 2)

	// A request the caller gave up on says nothing about the API.
	reach2 := &Reach{URL: closedURL}
	client, err = New(Config{BaseURL: closedURL, Reach: reach2, Attempts: 1})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _ = client.Do(ctx, Request{Method: http.MethodGet, Path: "/x"})
	require.True(t, reach2.State().Up())
}

// TestReachShowsNoPassword: an API reached through a proxy with basic auth
// in its URL (Go sends the user info as such) is shown without it, in every
// state the logs, progress lines and errors print.
func TestReachShowsNoPassword(t *testing.T) {
	t.Parallel()
	addr := fakeapitest.ClosedAddr(t)

	var heard []ReachState
	reach := &Reach{URL: "http://ops:s3cret-pw@" + addr + "/chatwoot", OnChange: func(s ReachState) { heard = append(heard, s) }}
	client, err := New(Config{BaseURL: reach.URL, Reach: reach, Attempts: 1})
	require.NoError(t, err)
	_, err = client.Do(t.Context(), Request{Method: http.MethodGet, Path: "/x"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret-pw")
	require.Len(t, heard, 1)
	for _, st := range []ReachState{reach.State(), heard[0]} {
		require.Equal(t, "http://"+addr+"/chatwoot", st.URL)
		require.NotContains(t, st.LastError, "s3cret-pw")
	}
}

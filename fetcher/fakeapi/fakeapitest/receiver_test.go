package fakeapitest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestReceiver(t *testing.T) {
	t.Parallel()
	rc := NewReceiver(t, FailFirst(2))
	var statuses []int
	for _, body := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		statuses = append(statuses, post(t, rc.URL+"/hook", body))
	}
	require.Equal(t, []int{500, 500, 200}, statuses)

	reqs := rc.Requests()
	require.Len(t, reqs, 3)
	require.Equal(t, "/hook", reqs[0].Path)
	require.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	require.Equal(t, `{"n":3}`, string(reqs[2].Raw))

	reqs[0].Raw = nil
	require.NotNil(t, rc.Requests()[0].Raw, "Requests returns a copy")
}

func TestReceiverWithoutAnswerAnswers200(t *testing.T) {
	t.Parallel()
	rc := NewReceiver(t, nil)
	require.Equal(t, http.StatusOK, post(t, rc.URL, `{}`))
	require.Len(t, rc.Requests(), 1)
}

func TestReceiverAnswerSeesTheRequest(t *testing.T) {
	t.Parallel()
	rc := NewReceiver(t, func(w http.ResponseWriter, n int, raw []byte) {
		w.Header().Set("X-Seen", string(raw))
		w.WriteHeader(http.StatusAccepted + n)
	})
	require.Equal(t, http.StatusAccepted+1, post(t, rc.URL, `{}`))
	require.Equal(t, http.StatusAccepted+2, post(t, rc.URL, `{}`))
}

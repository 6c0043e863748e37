package fakeapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGetAndPostJSON(t *testing.T) {
	t.Parallel()
	srv := Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+"|"+r.URL.RawQuery+"|"+r.Header.Get("Authorization")+"|"+r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write(body)
	})))

	r := Get(t, srv.URL+"/x", url.Values{"a": {"1"}}, Bearer("k"))
	require.Equal(t, http.StatusTeapot, r.Status)
	require.Equal(t, "GET|a=1|Bearer k|", r.Header.Get("X-Seen"))

	r = Get(t, srv.URL+"/x", nil, Bearer(""))
	require.Equal(t, "GET|||", r.Header.Get("X-Seen"), "no query, no credentials")

	r = PostJSON(t, srv.URL+"/x", map[string]int{"n": 1}, nil)
	require.Equal(t, "POST|||application/json", r.Header.Get("X-Seen"))
	require.JSONEq(t, `{"n":1}`, string(r.Raw))
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	require.Equal(t, http.Header{"Api_access_token": {"s"}}, Credential("api_access_token", "", "s"))
	require.Empty(t, Credential("api_access_token", "", ""))

	q := url.Values{"a": {"1"}}
	c := CloneValues(q)
	c["a"][0] = "2"
	require.Equal(t, "1", q.Get("a"))

	require.Equal(t, []map[string]any{{"id": "x"}}, ToMaps([]any{map[string]any{"id": "x"}}))
	require.NotNil(t, ToMaps([]any{}))
	require.Equal(t, []string{"a", "b"}, IDs([]map[string]any{{"id": "a"}, {"id": "b"}}))
}

func TestClock(t *testing.T) {
	t.Parallel()
	c := NewClock(time.Unix(10, 0))
	require.Equal(t, time.Unix(10, 0), c.Now())
	c.Set(time.Unix(20, 0))
	require.Equal(t, time.Unix(20, 0), c.Now())
}

func TestBundle(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	b := NewBundle(t, "workspace", srv)
	require.Equal(t, "workspace", b.WS)
	require.Same(t, srv, b.Srv)
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	r := DecodeJSON(t, Response{Raw: []byte(`{"n":1,"f":1.5}`)}, true)
	require.Equal(t, map[string]any{"n": json.Number("1"), "f": json.Number("1.5")}, r.Object())
	r = DecodeJSON(t, Response{Raw: []byte(`[{"n":1}] `)}, false)
	require.Equal(t, []map[string]any{{"n": 1.0}}, r.Array())
	require.Equal(t, []byte(`[{"n":1}] `), r.Raw, "the raw answer stays")
}

func TestFetch(t *testing.T) {
	t.Parallel()
	srv := Serve(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"q":"`+r.URL.RawQuery+`"}`)
	})))
	var v struct{ Q string }
	Fetch(t, srv.URL+"/x?a=1", &v)
	require.Equal(t, "a=1", v.Q)
	Fetch(t, srv.URL, nil)
}

package fakeapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// Bundle is what a fake's tests work on: a workspace and a server serving
// it, which stops when the test ends. A vendor's tests embed it in a type of
// their own, on which they hang the calls of the vendor's API.
type Bundle[W any, S interface{ Close() }] struct {
	WS  W
	Srv S
}

// NewBundle serves srv, a server of ws, until the test ends.
func NewBundle[W any, S interface{ Close() }](t testing.TB, ws W, srv S) Bundle[W, S] {
	return Bundle[W, S]{WS: ws, Srv: Serve(t, srv)}
}

// JSONResponse is an answer and its body, decoded from JSON.
type JSONResponse struct {
	Response
	Body any
}

// DecodeJSON decodes the body of r, which must be one JSON value. With
// useNumber, numbers decode as json.Number, so that integers and floats stay
// apart; without, as float64.
func DecodeJSON(t testing.TB, r Response, useNumber bool) JSONResponse {
	t.Helper()
	out := JSONResponse{Response: r}
	dec := json.NewDecoder(bytes.NewReader(r.Raw))
	if useNumber {
		dec.UseNumber()
	}
	require.NoError(t, dec.Decode(&out.Body), string(r.Raw))
	_, err := dec.Token()
	require.ErrorIs(t, err, io.EOF, "nothing follows the value: %s", r.Raw)
	return out
}

// Object is the body as a JSON object.
func (r JSONResponse) Object() map[string]any { return r.Body.(map[string]any) }

// Array is the body as a JSON array of objects.
func (r JSONResponse) Array() []map[string]any { return ToMaps(r.Body) }

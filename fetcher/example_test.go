package fetcher_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/syncerhq/syncer/fetcher"
)

// A vendor package configures the shared client once per source; calls then
// return the body, or an error that says what to do next.
func ExampleClient_GetJSON() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"unauthenticated","message":"bad token"}`))
			return
		}
		_, _ = w.Write([]byte(`{"things":[1,2,3]}`))
	}))
	defer api.Close()

	client, err := fetcher.New(fetcher.Config{
		BaseURL:       api.URL,
		AuthorizeFunc: func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret") },
	})
	if err != nil {
		panic(err)
	}
	var out struct{ Things []int }
	if _, err := client.GetJSON(context.Background(), fetcher.Request{Path: "/things.list"}, &out); err != nil {
		panic(err)
	}
	fmt.Println(out.Things)

	wrong, _ := fetcher.New(fetcher.Config{BaseURL: api.URL})
	_, err = wrong.GetJSON(context.Background(), fetcher.Request{Path: "/things.list"}, &out)
	var apiErr *fetcher.APIError
	fmt.Println(errors.As(err, &apiErr), fetcher.IsAuthError(err), err)
	// Output:
	// [1 2 3]
	// true true things.list: HTTP 401 unauthenticated: bad token
}

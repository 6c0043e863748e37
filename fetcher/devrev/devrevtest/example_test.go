package devrevtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

func ExampleNewServer() {
	ws := devrevtest.NewWorkspace(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	id := ws.AddConversation("Cannot export invoices")
	ws.AddComment(id, "Looking into it.", "external")

	srv := devrevtest.NewServer(ws, devrevtest.Options{Token: "secret"})
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/conversations.get?id=CONV-1", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		Conversation struct {
			ID       string `json:"id"`
			Title    string `json:"title"`
			Messages []struct {
				Body string `json:"body"`
			} `json:"messages"`
		} `json:"conversation"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	fmt.Println(body.Conversation.ID)
	fmt.Println(body.Conversation.Title)
	fmt.Println(body.Conversation.Messages[0].Body)
	fmt.Println(srv.Stats().Requests["conversations.get"])
	// Output:
	// don:core:dvrv-us-1:devo/0:conversation/1
	// Cannot export invoices
	// Looking into it.
	// 1
}

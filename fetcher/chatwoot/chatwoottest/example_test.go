package chatwoottest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
)

func ExampleNewServer() {
	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	id := ws.AddConversation("Ada Lovelace", "Cannot export invoices")
	ws.AddMessage(id, "Looking into it.", 1, false)

	srv := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "secret"})
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/accounts/1/conversations/1/messages", nil)
	req.Header.Set("api_access_token", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		Payload []struct {
			Content     string `json:"content"`
			MessageType int    `json:"message_type"`
		} `json:"payload"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	for _, m := range body.Payload {
		fmt.Println(m.MessageType, m.Content)
	}
	fmt.Println(srv.Stats().Requests["conversations.messages"])
	// Output:
	// 0 Cannot export invoices
	// 1 Looking into it.
	// 1
}

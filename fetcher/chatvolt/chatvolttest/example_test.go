package chatvolttest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
)

func ExampleNewServer() {
	ws := chatvolttest.NewWorkspace(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	id := ws.AddConversation("Pedido atrasado")
	ws.AddMessage(id, "Meu pedido não chegou.", "human")
	ws.AddMessage(id, "Vou verificar para você!", "agent")

	srv := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: "secret"})
	defer srv.Close()

	get := func(path string, v any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(v)
	}

	var page struct {
		Conversations []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"conversations"`
		NextCursor *string `json:"nextCursor"`
	}
	get("/conversation?limit=10", &page)
	fmt.Println(page.Conversations[0].Title, page.NextCursor == nil)

	var messages []struct {
		From      string `json:"from"`
		Text      string `json:"text"`
		CreatedAt string `json:"createdAt"`
	}
	get("/conversation/"+id+"/messages/2", &messages)
	for _, m := range messages {
		fmt.Println(m.CreatedAt, m.From, m.Text)
	}
	fmt.Println(srv.Stats().Requests["conversation.messages"])
	// Output:
	// Pedido atrasado true
	// 2025-01-01T00:00:03.011Z human Meu pedido não chegou.
	// 2025-01-01T00:00:04.022Z agent Vou verificar para você!
	// 1
}

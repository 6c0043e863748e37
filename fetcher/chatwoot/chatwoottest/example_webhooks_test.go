package chatwoottest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
)

func ExampleServer_AddWebhook() {
	const secret = "my-webhook-secret"
	var (
		mu  sync.Mutex
		got []string
	)
	// A receiver checks the signature of "<timestamp>.<body>" and takes the
	// events; the conversation's display id is at the top of conversation
	// events and under "conversation" in message events.
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("X-Chatwoot-Timestamp") + "."))
		mac.Write(raw)
		if !hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-Chatwoot-Signature"))) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Event        string `json:"event"`
			ID           int    `json:"id"`
			Conversation *struct {
				ID int `json:"id"`
			} `json:"conversation"`
		}
		_ = json.Unmarshal(raw, &ev)
		conv := ev.ID
		if ev.Conversation != nil {
			conv = ev.Conversation.ID
		}
		mu.Lock()
		got = append(got, fmt.Sprint(ev.Event, " ", conv))
		mu.Unlock()
	}))
	defer receiver.Close()

	ws := chatwoottest.NewWorkspace(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := chatwoottest.NewServer(ws, chatwoottest.Options{})
	defer srv.Close()
	if _, err := srv.AddWebhook(receiver.URL, secret); err != nil {
		panic(err)
	}

	id := ws.AddConversation("Ada Lovelace", "Cannot export invoices")
	ws.SetStatus(id, "resolved")
	_ = srv.WaitWebhooks(context.Background())

	mu.Lock()
	defer mu.Unlock()
	slices.Sort(got) // deliveries arrive in any order
	for _, g := range got {
		fmt.Println(g)
	}
	// Output:
	// conversation_created 1
	// conversation_status_changed 1
	// conversation_updated 1
	// message_created 1
}

package devrevtest_test

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

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

func ExampleServer_AddWebhook() {
	const secret = "my-webhook-secret"
	var (
		mu  sync.Mutex
		got []string
	)
	// A receiver checks the signature, answers the verify handshake with
	// its challenge, and takes the events.
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(raw)
		if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-DevRev-Signature"))) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Type   string `json:"type"`
			Verify struct {
				Challenge string `json:"challenge"`
			} `json:"verify"`
		}
		_ = json.Unmarshal(raw, &ev)
		if ev.Type == "verify" {
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": ev.Verify.Challenge})
			return
		}
		mu.Lock()
		got = append(got, ev.Type)
		mu.Unlock()
	}))
	defer receiver.Close()

	ws := devrevtest.NewWorkspace(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := devrevtest.NewServer(ws, devrevtest.Options{})
	defer srv.Close()
	if _, err := srv.AddWebhook(receiver.URL, secret); err != nil {
		panic(err)
	}

	id := ws.AddConversation("Cannot export invoices")
	ws.AddComment(id, "Looking into it.", "external")
	_ = srv.WaitWebhooks(context.Background())

	mu.Lock()
	defer mu.Unlock()
	slices.Sort(got) // deliveries arrive in any order
	fmt.Println(got)
	// Output: [conversation_created conversation_updated timeline_entry_created]
}

package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/chatvoltcheck"
	"github.com/syncerhq/syncer/internal/chatwootcheck"
	"github.com/syncerhq/syncer/internal/devrevcheck"
	"github.com/syncerhq/syncer/internal/fakeapi"
)

// vendorFake is one vendor's fake API, as the scenarios drive it.
type vendorFake interface {
	// Source is the name syncer gives the source the environment enables.
	Source() string
	Handler() http.Handler
	Stats() apiStats
	ResetStats()
	// Env is what a syncer child needs to mirror the fake at url.
	Env(url string) []string
	// Compare lists the differences between a mirror and the workspace.
	Compare(ctx context.Context, q *dbq.Queries) ([]string, error)
	// ChangeMessages deletes and edits messages at every depth of one
	// conversation in every `every`, so that the vendor signals the change
	// the way it does; it returns how many conversations changed.
	ChangeMessages(every int) int
	Close()
}

// apiStats counts what a fake API received.
type apiStats struct {
	Total, RateLimited int
	ByEndpoint         map[string]int
}

// limitSpec is a rate limit a scenario puts on a fake.
type limitSpec struct {
	Requests int
	Window   time.Duration
	Shape    fakeapi.Shape
	// Headers makes the fake send X-Ratelimit-*; Told states the limit to
	// syncer (<KIND>_RATE_LIMIT).
	Headers, Told bool
}

// perSec is the limit's long-run rate.
func (l limitSpec) perSec() float64 {
	if l.Requests <= 0 {
		return 0
	}
	return float64(l.Requests) / l.Window.Seconds()
}

// vendorKind builds a vendor's fake of n conversations under a limit.
type vendorKind struct {
	Name string
	New  func(seed int64, n int, limit limitSpec, token string) vendorFake
}

// vendorKinds are the vendors the scenarios measure.
func vendorKinds() []vendorKind {
	return []vendorKind{
		{Name: "chatvolt", New: newChatvoltFake},
		{Name: "chatwoot", New: newChatwootFake},
		{Name: "devrev", New: newDevRevFake},
	}
}

// --- DevRev

type devrevFake struct {
	ws    *devrevtest.Workspace
	srv   *devrevtest.Server
	token string
	limit limitSpec
}

func newDevRevFake(seed int64, n int, limit limitSpec, token string) vendorFake {
	ws := generate(seed, n, 10)
	srv := devrevtest.NewServer(ws, devrevtest.Options{
		Token: token, Seed: seed, RateLimit: limit.Requests, RateWindow: limit.Window, RateShape: limit.Shape,
	})
	return &devrevFake{ws: ws, srv: srv, token: token, limit: limit}
}

func (f *devrevFake) Source() string        { return "devrev" }
func (f *devrevFake) Handler() http.Handler { return f.srv.Handler() }
func (f *devrevFake) ResetStats()           { f.srv.ResetStats() }
func (f *devrevFake) Close()                { f.srv.Close() }
func (f *devrevFake) Env(url string) []string {
	return append(statedLimit("DEVREV", f.limit), "DEVREV_TOKEN="+f.token, "DEVREV_API_URL="+url)
}

func (f *devrevFake) Stats() apiStats {
	st := f.srv.Stats()
	return apiStats{Total: st.Total, RateLimited: st.RateLimited, ByEndpoint: st.Requests}
}

func (f *devrevFake) Compare(ctx context.Context, q *dbq.Queries) ([]string, error) {
	return devrevcheck.Compare(ctx, q, f.Source(), f.ws.Snapshot())
}

func (f *devrevFake) ChangeMessages(every int) int {
	changed := 0
	for i, c := range f.ws.Snapshot().Conversations {
		if i%every != 0 || len(c.Comments) < 3 {
			continue
		}
		f.ws.RemoveComment(c.Comments[0].ID)
		f.ws.EditComment(c.Comments[len(c.Comments)/2].ID, "edited in the middle")
		f.ws.RemoveComment(c.Comments[len(c.Comments)-1].ID)
		changed++
	}
	return changed
}

// --- Chatwoot

type chatwootFake struct {
	ws    *chatwoottest.Workspace
	srv   *chatwoottest.Server
	token string
	limit limitSpec
}

const chatwootAccount = 7

func newChatwootFake(seed int64, n int, limit limitSpec, token string) vendorFake {
	ws := chatwoottest.Generate(chatwoottest.GenerateConfig{
		Seed: seed, AccountID: chatwootAccount, Conversations: n, MessagesPerConversation: 10, Start: workspaceStart(),
	})
	srv := chatwoottest.NewServer(ws, chatwoottest.Options{
		Token: token, Seed: seed, RateLimit: limit.Requests, RateWindow: limit.Window, RateShape: limit.Shape, RateHeaders: limit.Headers,
	})
	return &chatwootFake{ws: ws, srv: srv, token: token, limit: limit}
}

func (f *chatwootFake) Source() string        { return "chatwoot" }
func (f *chatwootFake) Handler() http.Handler { return f.srv.Handler() }
func (f *chatwootFake) ResetStats()           { f.srv.ResetStats() }
func (f *chatwootFake) Close()                { f.srv.Close() }
func (f *chatwootFake) Env(url string) []string {
	return append(statedLimit("CHATWOOT", f.limit), "CHATWOOT_API_URL="+url, "CHATWOOT_API_TOKEN="+f.token, "CHATWOOT_ACCOUNT_ID=7")
}

func (f *chatwootFake) Stats() apiStats {
	st := f.srv.Stats()
	return apiStats{Total: st.Total, RateLimited: st.RateLimited, ByEndpoint: st.Requests}
}

func (f *chatwootFake) Compare(ctx context.Context, q *dbq.Queries) ([]string, error) {
	return chatwootcheck.Compare(ctx, q, f.Source(), f.ws.Snapshot(), chatwootcheck.Options{})
}

func (f *chatwootFake) ChangeMessages(every int) int {
	changed := 0
	for i, c := range f.ws.Snapshot().Conversations {
		if i%every != 0 || len(c.Messages) < 3 {
			continue
		}
		f.ws.RemoveMessage(c.Messages[0].ID)
		f.ws.EditMessage(c.Messages[len(c.Messages)/2].ID, "edited in the middle")
		f.ws.DeleteMessage(c.Messages[len(c.Messages)-1].ID)
		changed++
	}
	return changed
}

// --- Chatvolt

type chatvoltFake struct {
	ws    *chatvolttest.Workspace
	srv   *chatvolttest.Server
	token string
	limit limitSpec
}

func newChatvoltFake(seed int64, n int, limit limitSpec, token string) vendorFake {
	ws := chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: seed, Conversations: n, MessagesPerConversation: 8, Start: workspaceStart(),
	})
	srv := chatvolttest.NewServer(ws, chatvolttest.Options{
		APIKey: token, Seed: seed, RateLimit: limit.Requests, RateWindow: limit.Window, RateShape: limit.Shape, RateHeaders: limit.Headers,
	})
	return &chatvoltFake{ws: ws, srv: srv, token: token, limit: limit}
}

func (f *chatvoltFake) Source() string        { return "chatvolt" }
func (f *chatvoltFake) Handler() http.Handler { return f.srv.Handler() }
func (f *chatvoltFake) ResetStats()           { f.srv.ResetStats() }
func (f *chatvoltFake) Close()                { f.srv.Close() }
func (f *chatvoltFake) Env(url string) []string {
	return append(statedLimit("CHATVOLT", f.limit), "CHATVOLT_API_URL="+url, "CHATVOLT_API_KEY="+f.token)
}

func (f *chatvoltFake) Stats() apiStats {
	st := f.srv.Stats()
	return apiStats{Total: st.Total, RateLimited: st.RateLimited, ByEndpoint: st.Requests}
}

func (f *chatvoltFake) Compare(ctx context.Context, q *dbq.Queries) ([]string, error) {
	return chatvoltcheck.Compare(ctx, q, f.Source(), f.ws.Snapshot())
}

// ChangeMessages also adds a message to each changed conversation: Chatvolt
// moves a conversation's updatedAt for a new message, not for an edit or a
// deletion, which only a re-read of the conversation shows.
func (f *chatvoltFake) ChangeMessages(every int) int {
	changed := 0
	for i, c := range f.ws.Snapshot().Conversations {
		if i%every != 0 || len(c.Messages) < 3 {
			continue
		}
		f.ws.DeleteMessage(c.Messages[0].ID)
		f.ws.EditMessage(c.Messages[len(c.Messages)/2].ID, "edited in the middle")
		f.ws.DeleteMessage(c.Messages[len(c.Messages)-1].ID)
		f.ws.AddMessage(c.ID, "any news?", "human")
		changed++
	}
	return changed
}

// statedLimit tells syncer the limit when the spec says so.
func statedLimit(kind string, l limitSpec) []string {
	if !l.Told || l.Requests <= 0 {
		return nil
	}
	return []string{kind + "_RATE_LIMIT=" + strconv.Itoa(l.Requests) + "/" + l.Window.String()}
}

package main

import (
	"context"
	"strconv"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/chatwoot"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/devrev"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
)

// vendorFake is one vendor's fake API, as the scenarios drive it.
type vendorFake struct {
	*fakeapi.Shell
	// Kind is the vendor's: the source a syncer child mirrors the fake as
	// is the one its environment variables enable.
	Kind  fetcher.Kind
	token string
	limit limitSpec
	// settings are the vendor's own environment variables, name=value.
	settings []string
	// want is what a mirror of the workspace, as it is now, holds.
	want func() mirrorcheck.Want
	// ChangeMessages deletes and edits messages at every depth of one
	// conversation in every `every`, so that the vendor signals the change
	// the way it does; it returns how many conversations changed.
	ChangeMessages func(every int) int
}

// Source is the name syncer gives the source the environment enables.
func (f *vendorFake) Source() string { return f.Kind.Name }

// Env is what a syncer child needs to mirror the fake at url.
func (f *vendorFake) Env(url string) []string {
	env := append(statedLimit(f.Kind, f.limit), f.Kind.TokenEnv+"="+f.token, f.Kind.URLEnv+"="+url)
	return append(env, f.settings...)
}

// Compare lists the differences between a mirror and the workspace.
func (f *vendorFake) Compare(ctx context.Context, q *dbq.Queries) ([]string, error) {
	return mirrorcheck.Compare(ctx, q, f.Source(), f.want())
}

// Stats counts what the fake received.
func (f *vendorFake) Stats() apiStats {
	st := f.Shell.Stats()
	return apiStats{Total: st.Total, RateLimited: st.RateLimited, ByEndpoint: st.Requests}
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
	New  func(seed int64, n int, limit limitSpec, token string) *vendorFake
}

// vendorKinds are the vendors the scenarios measure.
func vendorKinds() []vendorKind {
	return []vendorKind{
		{Name: "chatvolt", New: newChatvoltFake},
		{Name: "chatwoot", New: newChatwootFake},
		{Name: "devrev", New: newDevRevFake},
	}
}

func newDevRevFake(seed int64, n int, limit limitSpec, token string) *vendorFake {
	ws := generate(seed, n, 10)
	srv := devrevtest.NewServer(ws, devrevtest.Options{
		Token: token, Seed: seed, Faults: fakeapi.Faults{RateLimit: limit.Requests, RateWindow: limit.Window, RateShape: limit.Shape},
	})
	return devrevFake(ws, srv, token, limit)
}

// devrevFake drives srv, which serves ws.
func devrevFake(ws *devrevtest.Workspace, srv *devrevtest.Server, token string, limit limitSpec) *vendorFake {
	return &vendorFake{
		Shell: srv.Shell, Kind: devrev.Kind(), token: token, limit: limit,
		want: func() mirrorcheck.Want { return mirrorcheck.DevRev(ws.Snapshot()) },
		ChangeMessages: func(every int) int {
			convs := fakeapi.IDs(ws.Snapshot().Conversations, devrevtest.SnapConversation.MessageIDs)
			return changeAtEveryDepth(every, convs, func(_ int, first, middle, last string) {
				ws.RemoveComment(first)
				ws.EditComment(middle, "edited in the middle")
				ws.RemoveComment(last)
			})
		},
	}
}

const chatwootAccount = 7

func newChatwootFake(seed int64, n int, limit limitSpec, token string) *vendorFake {
	ws := chatwoottest.Generate(chatwoottest.GenerateConfig{
		Seed: seed, AccountID: chatwootAccount, Conversations: n, MessagesPerConversation: 10, Start: workspaceStart(),
	})
	srv := chatwoottest.NewServer(ws, chatwoottest.Options{
		Token: token, Seed: seed, RateHeaders: limit.Headers, Faults: fakeapi.Faults{RateLimit: limit.Requests, RateWindow: limit.Window, RateShape: limit.Shape},
	})
	return &vendorFake{
		Shell: srv.Shell, Kind: chatwoot.Kind(), token: token, limit: limit,
		settings: []string{"CHATWOOT_ACCOUNT_ID=" + strconv.Itoa(chatwootAccount)},
		want:     func() mirrorcheck.Want { return mirrorcheck.Chatwoot(ws.Snapshot(), mirrorcheck.ChatwootOptions{}) },
		ChangeMessages: func(every int) int {
			convs := fakeapi.IDs(ws.Snapshot().Conversations, chatwoottest.SnapConversation.MessageIDs)
			return changeAtEveryDepth(every, convs, func(_ int, first, middle, last int) {
				ws.RemoveMessage(first)
				ws.EditMessage(middle, "edited in the middle")
				ws.DeleteMessage(last)
			})
		},
	}
}

func newChatvoltFake(seed int64, n int, limit limitSpec, token string) *vendorFake {
	ws := chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: seed, Conversations: n, MessagesPerConversation: 8, Start: workspaceStart(),
	})
	srv := chatvolttest.NewServer(ws, chatvolttest.Options{
		APIKey: token, Seed: seed, RateHeaders: limit.Headers, Faults: fakeapi.Faults{RateLimit: limit.Requests, RateWindow: limit.Window, RateShape: limit.Shape},
	})
	return &vendorFake{
		Shell: srv.Shell, Kind: chatvolt.Kind(), token: token, limit: limit,
		want: func() mirrorcheck.Want { return mirrorcheck.Chatvolt(ws.Snapshot()) },
		// A changed conversation also gets a new message: Chatvolt moves a
		// conversation's updatedAt for a new message, not for an edit or a
		// deletion, which only a re-read of the conversation shows.
		ChangeMessages: func(every int) int {
			snap := ws.Snapshot()
			convs := fakeapi.IDs(snap.Conversations, chatvolttest.SnapConversation.MessageIDs)
			return changeAtEveryDepth(every, convs, func(i int, first, middle, last string) {
				ws.DeleteMessage(first)
				ws.EditMessage(middle, "edited in the middle")
				ws.DeleteMessage(last)
				ws.AddMessage(snap.Conversations[i].ID, "any news?", "human")
			})
		},
	}
}

// changeAtEveryDepth changes one conversation in every `every` that has at
// least three messages: change gets its index and the ids of its first,
// middle and last messages. It returns how many conversations changed.
func changeAtEveryDepth[ID any](every int, convs [][]ID, change func(i int, first, middle, last ID)) int {
	changed := 0
	for i, msgs := range convs {
		if i%every != 0 || len(msgs) < 3 {
			continue
		}
		change(i, msgs[0], msgs[len(msgs)/2], msgs[len(msgs)-1])
		changed++
	}
	return changed
}

// statedLimit tells syncer the limit when the spec says so.
func statedLimit(kind fetcher.Kind, l limitSpec) []string {
	if !l.Told || l.Requests <= 0 {
		return nil
	}
	return []string{kind.RateLimitEnv() + "=" + strconv.Itoa(l.Requests) + "/" + l.Window.String()}
}

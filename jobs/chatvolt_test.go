package jobs_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/fakeapi"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/internal/mirrorcheck"
	"github.com/syncerhq/syncer/jobs"
)

type chatvoltBundle struct {
	mirror
	ws     *chatvolttest.Workspace
	server *chatvolttest.Server
}

func setupChatvolt(t *testing.T, opts chatvolttest.Options, conversations int) *chatvoltBundle {
	t.Helper()
	ws := chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: 5, Conversations: conversations, MessagesPerConversation: 8, Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	})
	opts.APIKey = "chatvolt-key-s3cr3t"
	server := chatvolttest.NewServer(ws, opts)
	t.Cleanup(server.Close)
	b := &chatvoltBundle{mirror: newMirror(t), ws: ws, server: server}
	b.start(t, "chatvolt", newChatvoltSource(t, server, opts.APIKey, b.pool),
		func() mirrorcheck.Want { return mirrorcheck.Chatvolt(ws.Snapshot()) })
	return b
}

// newChatvoltSource returns a client of server that reads with apiKey and,
// as syncer wires it, fetches details only of conversations that changed
// since the mirror on pool got them.
func newChatvoltSource(t *testing.T, server *chatvolttest.Server, apiKey string, pool *pgxpool.Pool) fetcher.Source {
	t.Helper()
	src, err := chatvolt.NewClient(chatvolt.Config{
		BaseURL: server.URL(), APIKey: apiKey, ModifiedAtFunc: db.MirroredModifiedAt(pool, "chatvolt"),
		HTTP: fetcher.Config{MaxInlineWait: 2 * time.Second},
	})
	require.NoError(t, err)
	return src
}

func TestChatvolt(t *testing.T) {
	t.Parallel()

	setup := func(t *testing.T, opts chatvolttest.Options, conversations int) *chatvoltBundle {
		t.Helper()
		return setupChatvolt(t, opts, conversations)
	}

	for _, mode := range []chatvolttest.PagingMode{chatvolttest.PagingCursor, chatvolttest.PagingPlainArray} {
		t.Run("BackfillAndSyncWith"+mode.String(), func(t *testing.T) {
			t.Parallel()
			b := setup(t, chatvolttest.Options{Paging: mode, MaxListItems: 15}, 90)
			b.run(t, jobs.PassBackfill)
			b.requireExact(t)
			require.Positive(t, b.count(t, "crm_scenario_links"))

			snap := b.ws.Snapshot()
			var old, open string
			for _, c := range snap.Conversations {
				if c.Status == "RESOLVED" && old == "" {
					old = c.ID
				}
				if c.Status != "RESOLVED" && open == "" {
					open = c.ID
				}
			}
			b.ws.AddMessage(old, "a new question on an old conversation", "human")
			b.ws.SetStatus(open, "RESOLVED")
			b.ws.AddConversation("a brand new one")
			b.run(t, jobs.PassIncremental)
			b.requireExact(t)
		})
	}

	t.Run("RateLimitStormLosesNothing", func(t *testing.T) {
		t.Parallel()
		// 20 requests a second: the pacer's slow start runs past it, and
		// the 429s and 419s that follow carry no hint of how long to wait.
		b := setup(t, chatvolttest.Options{Faults: fakeapi.Faults{RateLimit: 5, RateWindow: 250 * time.Millisecond, RateShape: fakeapi.FixedFromFirst}}, 40)
		b.run(t, jobs.PassBackfill)
		b.requireExact(t)
		require.Positive(t, b.server.Stats().RateLimited)
	})
}

// chatvoltOptions is a well-behaved fake Chatvolt API.
func chatvoltOptions() chatvolttest.Options { return chatvolttest.Options{} }

func chatvoltMessages(ws *chatvolttest.Workspace, conv string) []string {
	for _, c := range ws.Snapshot().Conversations {
		if c.ID == conv {
			return c.MessageIDs()
		}
	}
	return nil
}

// TestChatvoltTwoProcessesShareTheLimit: two processes work one Chatvolt
// source whose limit they are not told; each learns from its own refusals
// and the rate the other recorded, and together they stay under it.
func TestChatvoltTwoProcessesShareTheLimit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ws := chatvolttest.Generate(chatvolttest.GenerateConfig{
		Seed: 9, Conversations: 80, MessagesPerConversation: 6, Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	})
	server := chatvolttest.NewServer(ws, chatvolttest.Options{
		APIKey: "k", Faults: fakeapi.Faults{RateLimit: 30, RateWindow: time.Second, RateShape: fakeapi.FixedFromFirst},
	})
	t.Cleanup(server.Close)
	pool, q := dbtest.NewQueries(t)
	var deps []*jobs.Deps
	var clients []*river.Client[pgx.Tx]
	var lives []*jobs.Liveness
	for i := range 2 {
		d := newDeps(t, pool, map[string]fetcher.Source{"chatvolt": newChatvoltSource(t, server, "k", pool)})
		lives = append(lives, registerProcess(t, d, fmt.Sprintf("process-%d", i)))
		deps, clients = append(deps, d), append(clients, startWorkersNamed(t, d, fmt.Sprintf("process-%d", i)))
	}
	for _, live := range lives {
		live.Beat(ctx)
	}

	out := runPass(t, deps[0], clients[0], "chatvolt", jobs.PassOptions{Kind: jobs.PassBackfill})
	require.True(t, out.OK(), "failures: %v", out.Failures)
	diffs, err := mirrorcheck.Compare(ctx, q, "chatvolt", mirrorcheck.Chatvolt(ws.Snapshot()))
	require.NoError(t, err)
	require.Empty(t, diffs)

	// Which process takes which job is River's choice; say what happened.
	t.Logf("%d processes worked the pass", dbtest.Value[int](t, pool, `SELECT count(DISTINCT attempted_by[1]) FROM river_job`))
	st := server.Stats()
	// The benchmark holds the target (2%); this bound only says the two
	// did not race each other past the limit.
	require.Less(t, float64(st.RateLimited), 0.1*float64(st.Total), "%d of %d requests refused", st.RateLimited, st.Total)
}

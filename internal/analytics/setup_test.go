package analytics_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/chatwoot"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/devrev"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/jobs"
)

// analystTimeZone is the session TimeZone the views are read in: as far from
// UTC as there is, so that a day computed in the session's zone instead of
// UTC shows.
const analystTimeZone = "Pacific/Kiritimati"

// mirror is a fresh database that fake APIs are synced into through the real
// jobs, and read back from as an analyst would.
type mirror struct {
	pool   *pgxpool.Pool // the sync's
	read   *pgxpool.Pool // the analyst's: TimeZone analystTimeZone, times scanned in UTC
	deps   *jobs.Deps
	client *river.Client[pgx.Tx]
}

// fakeSource is a vendor's fake API serving a workspace, as source name of
// a mirror.
type fakeSource struct {
	name string
	// serve starts the fake API and returns the mirror's client of it.
	serve func(t *testing.T, m *mirror) (fetcher.Source, error)
}

// inlineWait is the clients' HTTP configuration: a rate-limit wait of up to
// 2 s is spent inline, a longer one snoozes the job.
var inlineWait = fetcher.Config{MaxInlineWait: 2 * time.Second}

// chatwootSource, devrevSource and chatvoltSource serve ws as source name.

func chatwootSource(name string, ws *chatwoottest.Workspace) fakeSource {
	return fakeSource{name, func(t *testing.T, _ *mirror) (fetcher.Source, error) {
		server := chatwoottest.NewServer(ws, chatwoottest.Options{Token: "chatwoot-token"})
		t.Cleanup(server.Close)
		return chatwoot.NewClient(chatwoot.Config{BaseURL: server.URL(), Token: "chatwoot-token", AccountID: "7", HTTP: inlineWait})
	}}
}

func devrevSource(name string, ws *devrevtest.Workspace) fakeSource {
	return fakeSource{name, func(t *testing.T, _ *mirror) (fetcher.Source, error) {
		server := devrevtest.NewServer(ws, devrevtest.Options{Token: "devrev-token"})
		t.Cleanup(server.Close)
		return devrev.NewClient(devrev.Config{BaseURL: server.URL(), Token: "devrev-token", HTTP: inlineWait})
	}}
}

func chatvoltSource(name string, ws *chatvolttest.Workspace) fakeSource {
	return fakeSource{name, func(t *testing.T, m *mirror) (fetcher.Source, error) {
		server := chatvolttest.NewServer(ws, chatvolttest.Options{APIKey: "chatvolt-key"})
		t.Cleanup(server.Close)
		return chatvolt.NewClient(chatvolt.Config{
			BaseURL: server.URL(), APIKey: "chatvolt-key", ModifiedAtFunc: db.MirroredModifiedAt(m.pool, name), HTTP: inlineWait,
		})
	}}
}

// newMirror returns a mirror of sources with its workers started, each
// source backfilled in turn.
func newMirror(t *testing.T, sources ...fakeSource) *mirror {
	t.Helper()
	m := &mirror{pool: dbtest.NewPool(t)}
	cfg, err := pgxpool.ParseConfig(m.pool.Config().ConnString())
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["timezone"] = analystTimeZone
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		conn.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	}
	m.read, err = pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(m.read.Close)
	m.deps = jobs.NewDeps(m.pool, map[string]fetcher.Source{}, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		jobs.Timings{Overlap: 5 * time.Minute, OpenRecheckInterval: 15 * time.Minute, SweepInterval: 30 * time.Minute})
	for _, s := range sources {
		m.deps.Sources[s.name], err = s.serve(t, m)
		require.NoError(t, err)
	}
	m.start(t)
	for _, s := range sources {
		m.sync(t, s.name, jobs.PassBackfill)
	}
	return m
}

// start starts the workers of the mirror's sources.
func (m *mirror) start(t *testing.T) {
	t.Helper()
	client, err := jobs.NewClient(m.deps, jobs.ClientConfig{
		Workers: 16,
		Logger:  slog.New(slog.NewTextHandler(zerolog.NewTestWriter(t), &slog.HandlerOptions{Level: slog.LevelError})),
	})
	require.NoError(t, err)
	dbtest.StartClient(t, client)
	m.client = client
}

// sync runs one pass of source to completion.
func (m *mirror) sync(t *testing.T, source string, kind jobs.PassKind) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	started := time.Now()
	_, err := jobs.StartPass(ctx, m.deps, m.client, source, jobs.PassOptions{Kind: kind})
	require.NoError(t, err)
	out, err := jobs.WaitSource(ctx, m.client, source, started, 20*time.Millisecond, nil)
	require.NoError(t, err)
	require.True(t, out.OK(), "failures: %v", out.Failures)
}

// exec runs a statement on the mirror.
func (m *mirror) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	dbtest.Exec(t, m.pool, sql, args...)
}

// rows reads every row of sql as a T, matching columns to T's db tags.
func rows[T any](t *testing.T, m *mirror, sql string, args ...any) []T {
	t.Helper()
	r, err := m.read.Query(t.Context(), sql, args...)
	require.NoError(t, err)
	out, err := pgx.CollectRows(r, pgx.RowToStructByName[T])
	require.NoError(t, err)
	return out
}

// The views' rows, as the tests compare them. Every column a view has for a
// source is here except the ones that repeat the conversation (display_id,
// channel, priority, created_at, modified_at).

type metricsRow struct {
	ID                     string     `db:"id"`
	Status                 *string    `db:"status"`
	FirstCustomerMessageAt *time.Time `db:"first_customer_message_at"`
	FirstAgentReplyAt      *time.Time `db:"first_agent_reply_at"`
	FirstResponderID       *string    `db:"first_responder_id"`
	FirstResponseSeconds   *float64   `db:"first_response_seconds"`
	ResolvedAt             *time.Time `db:"resolved_at"`
	ResolutionSeconds      *float64   `db:"resolution_seconds"`
	CustomerMessages       int64      `db:"customer_messages"`
	AgentMessages          int64      `db:"agent_messages"`
	BotMessages            int64      `db:"bot_messages"`
	SLABreached            *bool      `db:"sla_breached"`
}

const metricsSQL = `
SELECT id, status, first_customer_message_at, first_agent_reply_at, first_responder_id, first_response_seconds,
       resolved_at, resolution_seconds, customer_messages, agent_messages, bot_messages, sla_breached
FROM conversation_metrics WHERE source = $1 ORDER BY id`

type volumeRow struct {
	Day            time.Time `db:"day"`
	Channel        *string   `db:"channel"`
	Opened         int64     `db:"conversations_opened"`
	Resolved       int64     `db:"conversations_resolved"`
	MessagesIn     int64     `db:"messages_in"`
	MessagesOut    int64     `db:"messages_out"`
	MessagesOutBot int64     `db:"messages_out_bot"`
}

const volumeSQL = `
SELECT day, channel, conversations_opened, conversations_resolved, messages_in, messages_out, messages_out_bot
FROM volume_daily WHERE source = $1 ORDER BY day, channel`

type agentRow struct {
	Day                  time.Time `db:"day"`
	AgentID              *string   `db:"agent_id"`
	AgentName            *string   `db:"agent_name"`
	Replies              int64     `db:"replies"`
	Notes                int64     `db:"notes"`
	ConversationsTouched int64     `db:"conversations_touched"`
	FirstReplies         int64     `db:"first_replies"`
	MedianFirstResponse  *float64  `db:"median_first_response_seconds"`
}

const agentSQL = `
SELECT day, agent_id, agent_name, replies, notes, conversations_touched, first_replies, median_first_response_seconds
FROM agent_activity_daily WHERE source = $1 ORDER BY day, agent_id`

type slaRow struct {
	Day        time.Time `db:"day"`
	Metric     string    `db:"metric"`
	TargetsDue int64     `db:"targets_due"`
	Met        int64     `db:"met"`
	Breached   int64     `db:"breached"`
	Pending    int64     `db:"pending"`
	BreachRate *float64  `db:"breach_rate"`
}

const slaSQL = `
SELECT day, metric, targets_due, met, breached, pending, breach_rate
FROM sla_compliance_daily WHERE source = $1 ORDER BY day, metric`

// utcDay is the UTC date of t, as a date column scans.
func utcDay(t time.Time) time.Time {
	y, mo, d := t.UTC().Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

// seconds is to - from in seconds, as the views compute it: exact
// microseconds, rounded once to a float64.
func seconds(from, to time.Time) float64 {
	return float64(to.Sub(from).Microseconds()) / 1e6
}

// median is percentile_cont(0.5), computed the way PostgreSQL does (values
// sorted; nil when there are none).
func median(sorted []float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	pos := 0.5 * float64(len(sorted)-1)
	lo, hi := int(pos), int(pos+0.5)
	v := sorted[lo]
	if hi != lo {
		v = sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
	}
	return &v
}

func ptr[T any](v T) *T { return &v }

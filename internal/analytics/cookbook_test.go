package analytics_test

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher/chatvolt/chatvolttest"
	"github.com/syncerhq/syncer/fetcher/chatwoot/chatwoottest"
	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
	"github.com/syncerhq/syncer/internal/dbtest"
)

// cookbook is the README's analytics cookbook: questions support leaders ask,
// each with its SQL. The test runs every query on a mirror of all three
// source kinds.
var cookbook = []struct {
	question string
	sql      string
	// rows says the test mirror must answer with rows; false for questions
	// about a narrow window (yesterday, the next hour) that generated data
	// may leave empty.
	rows bool
}{
	{
		question: "How fast do we answer, per channel, over the last 30 days?",
		sql: `SELECT source, channel,
       count(*) AS conversations,
       count(first_agent_reply_at) AS answered,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_seconds) / 60)::numeric, 1) AS median_minutes,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response_seconds) / 60)::numeric, 1) AS p90_minutes
FROM conversation_metrics
WHERE created_at >= now() - interval '30 days'
GROUP BY source, channel
ORDER BY median_minutes DESC NULLS LAST;`,
		rows: true,
	},
	{
		question: "Who is still waiting for a first answer, longest first?",
		sql: `SELECT source, display_id, channel, first_customer_message_at,
       now() - first_customer_message_at AS waiting
FROM conversation_metrics
WHERE status = 'open' AND first_customer_message_at IS NOT NULL AND first_agent_reply_at IS NULL
ORDER BY first_customer_message_at
LIMIT 50;`,
		rows: true,
	},
	{
		question: "Which open conversations are waiting on us (the customer had the last public word)?",
		sql: `SELECT c.source, c.display_id, c.channel, last.created_at AS customer_wrote_at,
       now() - last.created_at AS waiting
FROM conversations c
JOIN LATERAL (
    SELECT m.author_type, m.created_at
    FROM messages m
    WHERE m.source = c.source AND m.conversation_id = c.id AND m.deleted_at IS NULL
      AND m.visibility = 'public' AND m.body IS NOT NULL AND m.author_type IN ('contact', 'agent')
    ORDER BY m.created_at DESC
    LIMIT 1
) last ON last.author_type = 'contact'
WHERE c.deleted_at IS NULL AND c.status = 'open'
ORDER BY last.created_at
LIMIT 50;`,
		rows: true,
	},
	{
		question: "How many conversations did we open and resolve each day of the last two weeks, per channel?",
		sql: `SELECT day, source, channel, conversations_opened, conversations_resolved, messages_in, messages_out
FROM volume_daily
WHERE day > (now() AT TIME ZONE 'UTC')::date - 14
ORDER BY day, source, channel;`,
		rows: true,
	},
	{
		question: "Is the backlog growing? Opened against resolved, week by week",
		sql: `SELECT date_trunc('week', day::timestamp)::date AS week,
       sum(conversations_opened) AS opened,
       sum(conversations_resolved) AS resolved,
       sum(conversations_opened) - sum(conversations_resolved) AS backlog_change
FROM volume_daily
WHERE day >= (now() AT TIME ZONE 'UTC')::date - 91
GROUP BY week
ORDER BY week;`,
		rows: true,
	},
	{
		question: "What is our SLA breach rate per metric, week by week?",
		sql: `SELECT source, metric, date_trunc('week', day::timestamp)::date AS week,
       sum(targets_due) AS due, sum(met) AS met, sum(breached) AS breached, sum(pending) AS pending,
       round(sum(breached)::numeric / NULLIF(sum(met) + sum(breached), 0), 3) AS breach_rate
FROM sla_compliance_daily
WHERE day >= (now() AT TIME ZONE 'UTC')::date - 91
GROUP BY source, metric, week
ORDER BY week, source, metric;`,
		rows: true,
	},
	{
		question: "Which SLA targets breach in the next hour, and who owns them?",
		sql: `SELECT o.source, c.display_id, c.title, o.metric, o.due_at,
       string_agg(DISTINCT u.display_name, ', ') AS owners
FROM sla_metric_outcomes o
JOIN conversations c ON c.source = o.source AND c.id = o.conversation_id
LEFT JOIN conversation_participants p ON p.source = o.source AND p.conversation_id = o.conversation_id
     AND p.role IN ('owner', 'assignee') AND p.deleted_at IS NULL
LEFT JOIN users u ON u.source = p.source AND u.id = p.user_id AND u.deleted_at IS NULL
WHERE o.outcome = 'pending' AND o.in_policy IS NOT FALSE
  AND o.due_at BETWEEN now() AND now() + interval '1 hour'
GROUP BY o.source, c.display_id, c.title, o.metric, o.due_at
ORDER BY o.due_at;`,
	},
	{
		question: "Which conversations breached an SLA yesterday (UTC)?",
		sql: `SELECT o.source, c.display_id, c.title, c.status, o.metric, o.due_at, o.breached_at
FROM sla_metric_outcomes o
JOIN conversations c ON c.source = o.source AND c.id = o.conversation_id
WHERE o.outcome = 'breached' AND o.in_policy IS NOT FALSE
  AND o.due_day = (now() AT TIME ZONE 'UTC')::date - 1
ORDER BY o.due_at;`,
	},
	{
		question: "Who answered first most often in the last 30 days, and how fast?",
		sql: `SELECT cm.source, cm.first_responder_id AS agent_id, u.display_name AS agent,
       count(*) AS first_replies,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY cm.first_response_seconds) / 60)::numeric, 1) AS median_minutes
FROM conversation_metrics cm
LEFT JOIN users u ON u.source = cm.source AND u.id = cm.first_responder_id AND u.deleted_at IS NULL
WHERE cm.created_at >= now() - interval '60 days'
  AND cm.first_agent_reply_at >= now() - interval '30 days'
GROUP BY cm.source, cm.first_responder_id, u.display_name
ORDER BY first_replies DESC;`,
		rows: true,
	},
	{
		question: "How much did each agent do in the last 30 days?",
		sql: `SELECT source, agent_id, agent_name,
       sum(replies) AS replies, sum(notes) AS notes,
       sum(conversations_touched) AS conversation_days,
       sum(first_replies) AS first_replies,
       count(*) AS active_days
FROM agent_activity_daily
WHERE day > (now() AT TIME ZONE 'UTC')::date - 30
GROUP BY source, agent_id, agent_name
ORDER BY replies DESC;`,
		rows: true,
	},
	{
		question: "What share of conversations do we resolve within 24 hours, by month and channel?",
		sql: `SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month, source, channel,
       count(*) AS opened,
       count(*) FILTER (WHERE resolution_seconds <= 86400) AS resolved_within_24h,
       round(100.0 * count(*) FILTER (WHERE resolution_seconds <= 86400) / count(*), 1) AS pct_within_24h,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_seconds) / 3600)::numeric, 1) AS median_hours_to_resolve
FROM conversation_metrics
WHERE created_at >= now() - interval '6 months'
GROUP BY month, source, channel
ORDER BY month, source, channel;`,
		rows: true,
	},
	{
		question: "How much do bots handle on their own?",
		sql: `SELECT source, channel,
       count(*) FILTER (WHERE bot_messages > 0 AND agent_messages = 0) AS bot_only,
       count(*) FILTER (WHERE bot_messages > 0 AND agent_messages > 0) AS bot_then_human,
       count(*) FILTER (WHERE bot_messages = 0 AND agent_messages > 0) AS human_only,
       count(*) FILTER (WHERE bot_messages = 0 AND agent_messages = 0) AS no_answer
FROM conversation_metrics
WHERE created_at >= now() - interval '90 days'
GROUP BY source, channel
ORDER BY source, channel;`,
		rows: true,
	},
	{
		question: "Which tags (labels) wait longest for a first answer?",
		sql: `SELECT t.source, t.tag,
       count(*) AS conversations,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY cm.first_response_seconds) / 60)::numeric, 1) AS median_minutes,
       round(avg(cm.sla_breached::int), 2) AS sla_breach_share
FROM conversation_tags t
JOIN conversation_metrics cm ON cm.source = t.source AND cm.id = t.conversation_id
WHERE t.deleted_at IS NULL AND cm.created_at >= now() - interval '365 days'
GROUP BY t.source, t.tag
ORDER BY median_minutes DESC NULLS LAST;`,
		rows: true,
	},
	{
		question: "When do customers write (UTC weekday and hour, the last 4 whole weeks)?",
		sql: `SELECT extract(isodow FROM m.created_at AT TIME ZONE 'UTC') AS weekday,
       extract(hour FROM m.created_at AT TIME ZONE 'UTC') AS hour_utc,
       count(*) AS messages_in
FROM messages m
JOIN conversations c ON c.source = m.source AND c.id = m.conversation_id AND c.deleted_at IS NULL
WHERE m.deleted_at IS NULL AND m.body IS NOT NULL AND m.visibility = 'public' AND m.author_type = 'contact'
  AND (m.created_at AT TIME ZONE 'UTC')::date >= (now() AT TIME ZONE 'UTC')::date - 28
  AND (m.created_at AT TIME ZONE 'UTC')::date < (now() AT TIME ZONE 'UTC')::date
GROUP BY weekday, hour_utc
ORDER BY weekday, hour_utc;`,
		rows: true,
	},
	{
		question: "How big was the open backlog at the end of each day of the last quarter?",
		sql: `SELECT day, source,
       sum(conversations) FILTER (WHERE status = 'open') AS open,
       sum(conversations) FILTER (WHERE status = 'pending') AS pending,
       sum(conversations) FILTER (WHERE status = 'snoozed') AS snoozed,
       sum(conversations) FILTER (WHERE status IN ('open', 'pending', 'snoozed')) AS backlog
FROM backlog_daily
WHERE day >= (now() AT TIME ZONE 'UTC')::date - 91
GROUP BY day, source
ORDER BY day, source;`,
		rows: true,
	},
	{
		question: "How long do conversations wait in pending (median, by month they left it)?",
		sql: `SELECT source, date_trunc('month', left_at AT TIME ZONE 'UTC')::date AS month,
       count(*) AS stays,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY duration) / 3600)::numeric, 1) AS median_hours,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY duration) / 3600)::numeric, 1) AS p90_hours
FROM status_durations
WHERE status = 'pending' AND left_at >= now() - interval '180 days'
GROUP BY source, month
ORDER BY source, month;`,
		rows: true,
	},
	{
		question: "How often are resolved conversations reopened, by channel (last 90 days)?",
		sql: `WITH resolved AS (
    SELECT DISTINCT source, conversation_id
    FROM status_durations
    WHERE status IN ('resolved', 'closed') AND entered_at >= now() - interval '90 days'
)
SELECT c.source, c.channel,
       count(*) AS resolved,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM reopens r
           WHERE r.source = x.source AND r.conversation_id = x.conversation_id
             AND r.resolved_at >= now() - interval '90 days'
       )) AS reopened,
       round(100.0 * count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM reopens r
           WHERE r.source = x.source AND r.conversation_id = x.conversation_id
             AND r.resolved_at >= now() - interval '90 days'
       )) / count(*), 1) AS reopen_pct
FROM resolved x
JOIN conversations c ON c.source = x.source AND c.id = x.conversation_id AND c.deleted_at IS NULL
GROUP BY c.source, c.channel
ORDER BY reopen_pct DESC, resolved DESC;`,
		rows: true,
	},
	{
		question: "What is a conversation's whole story, versions and messages in time order?",
		sql: `WITH one AS (  -- the conversation with the most versions; or: SELECT source, id FROM conversations WHERE display_id = 'CONV-42'
    SELECT source, conversation_id AS id FROM conversation_history
    GROUP BY source, conversation_id
    ORDER BY count(*) DESC, max(valid_from) DESC, conversation_id
    LIMIT 1
)
SELECT at, what, detail FROM (
    SELECT h.valid_from AS at, 'became ' || COALESCE(h.status, h.native_status, '?') AS what,
           concat_ws(', ', 'stage ' || h.native_status, 'priority ' || h.priority,
                     'assigned to ' || NULLIF(array_to_string(h.assignee_ids, ' '), ''),
                     'SLA ' || h.sla_stage, 'by ' || h.changed_by, 'dated by ' || h.observed_via) AS detail
    FROM conversation_history h JOIN one ON h.source = one.source AND h.conversation_id = one.id
    UNION ALL
    SELECT m.created_at, m.author_type || ' wrote (' || m.visibility || ')', left(m.body, 120)
    FROM messages m JOIN one ON m.source = one.source AND m.conversation_id = one.id
    WHERE m.deleted_at IS NULL
) story
ORDER BY at, what;`,
		rows: true,
	},
}

// TestMixedMirror syncs all three source kinds into one mirror, dated up to
// now: the cookbook runs on it, and the views agree with each other there.
func TestMixedMirror(t *testing.T) {
	t.Parallel()

	now := time.Now().UTC().Truncate(time.Hour)
	cw := chatwoottest.Generate(chatwoottest.GenerateConfig{
		Seed: 3, AccountID: 7, Conversations: 150, MessagesPerConversation: 6, Start: now, Enterprise: true,
	})
	dr := devrevtest.Generate(devrevtest.GenerateConfig{Seed: 7, Conversations: 150, CommentsPerConversation: 6, Start: now})
	cv := chatvolttest.Generate(chatvolttest.GenerateConfig{Seed: 5, Conversations: 100, MessagesPerConversation: 6, Start: now})
	m := newMirror(t, chatwootSource("chatwoot", cw), devrevSource("devrev", dr), chatvoltSource("chatvolt", cv))

	t.Run("CookbookQueriesRun", func(t *testing.T) {
		t.Parallel()
		for _, q := range cookbook {
			r, err := m.read.Query(t.Context(), q.sql)
			require.NoError(t, err, q.question)
			n := 0
			for r.Next() {
				n++
			}
			require.NoError(t, r.Err(), q.question)
			if q.rows {
				require.Positive(t, n, "%s: no rows", q.question)
			}
		}
	})

	t.Run("DailyViewsAddUpToConversationMetrics", func(t *testing.T) {
		t.Parallel()
		sums := []struct{ name, daily, metrics string }{
			{
				"opened",
				"SELECT coalesce(sum(conversations_opened), 0) FROM volume_daily WHERE source = $1",
				"SELECT count(*) FROM conversation_metrics WHERE source = $1 AND created_at IS NOT NULL",
			},
			{
				"resolved",
				"SELECT coalesce(sum(conversations_resolved), 0) FROM volume_daily WHERE source = $1",
				"SELECT count(resolved_at) FROM conversation_metrics WHERE source = $1",
			},
			{
				"messages in",
				"SELECT coalesce(sum(messages_in), 0) FROM volume_daily WHERE source = $1",
				"SELECT coalesce(sum(customer_messages), 0) FROM conversation_metrics WHERE source = $1",
			},
			{
				"messages out",
				"SELECT coalesce(sum(messages_out), 0) FROM volume_daily WHERE source = $1",
				"SELECT coalesce(sum(agent_messages + bot_messages), 0) FROM conversation_metrics WHERE source = $1",
			},
			{
				"bot messages",
				"SELECT coalesce(sum(messages_out_bot), 0) FROM volume_daily WHERE source = $1",
				"SELECT coalesce(sum(bot_messages), 0) FROM conversation_metrics WHERE source = $1",
			},
			{
				"replies",
				"SELECT coalesce(sum(replies), 0) FROM agent_activity_daily WHERE source = $1",
				"SELECT coalesce(sum(agent_messages), 0) FROM conversation_metrics WHERE source = $1",
			},
			{
				"first replies",
				"SELECT coalesce(sum(first_replies), 0) FROM agent_activity_daily WHERE source = $1",
				"SELECT count(first_agent_reply_at) FROM conversation_metrics WHERE source = $1",
			},
			{
				"SLA targets",
				"SELECT coalesce(sum(targets_due), 0) FROM sla_compliance_daily WHERE source = $1",
				"SELECT count(*) FROM sla_metric_outcomes WHERE source = $1 AND in_policy IS NOT FALSE AND due_day IS NOT NULL",
			},
		}
		for _, source := range []string{"chatwoot", "devrev", "chatvolt"} {
			require.Positive(t, dbtest.Value[int64](t, m.read, "SELECT count(*) FROM conversation_metrics WHERE source = $1", source), source)
			for _, s := range sums {
				daily, metrics := dbtest.Value[int64](t, m.read, s.daily, source), dbtest.Value[int64](t, m.read, s.metrics, source)
				require.Equal(t, metrics, daily, "%s of %s", s.name, source)
			}
		}
	})

	t.Run("BacklogDailyIsTheSourcesOwnCount", func(t *testing.T) {
		t.Parallel()
		// Counted from the fake DevRev's own record, each conversation's
		// creation and stage changes, independently of the mirror.
		want := devrevBacklog(dr.Snapshot(), time.Now().UTC())
		got := dbtest.Column[string](t, m.read, `
			SELECT day::text || ' ' || status || ' ' || channel || ' ' || conversations
			FROM backlog_daily WHERE source = 'devrev'`)
		slices.Sort(got)
		require.Equal(t, want, got)
	})

	t.Run("HistoryRestsOnEachVendorsRecords", func(t *testing.T) {
		t.Parallel()
		type via struct {
			Source      string `db:"source"`
			ObservedVia string `db:"observed_via"`
			Versions    int64  `db:"versions"`
		}
		got := map[string]map[string]int64{}
		for _, v := range rows[via](t, m, "SELECT source, observed_via, count(*) AS versions FROM conversation_history GROUP BY 1, 2") {
			if got[v.Source] == nil {
				got[v.Source] = map[string]int64{}
			}
			got[v.Source][v.ObservedVia] = v.Versions
		}
		require.Equal(t, []string{"event"}, slices.Sorted(maps.Keys(got["devrev"])), "DevRev: the timeline's change events, from creation")
		require.Positive(t, got["chatwoot"]["event"], "Chatwoot: its status activity messages")
		require.Zero(t, got["chatvolt"]["event"], "Chatvolt records no changes")
		require.Positive(t, got["chatvolt"]["modified"])
	})

	t.Run("ChatwootSLABreachesAreItsSLAEvents", func(t *testing.T) {
		t.Parallel()
		want := map[string]int64{}
		for _, c := range cw.Snapshot().Conversations {
			if c.SLA == nil {
				continue
			}
			missed := map[string]bool{}
			for _, e := range c.SLA.Events {
				missed[e.EventType] = true
			}
			for _, metric := range []struct{ event, name string }{
				{"frt", "first_response_time"}, {"nrt", "next_response_time"}, {"rt", "resolution_time"},
			} {
				if missed[metric.event] {
					want[metric.name]++
				}
			}
		}
		require.NotEmpty(t, want, "the account has SLA misses")
		type count struct {
			Metric   string `db:"metric"`
			Breached int64  `db:"breached"`
		}
		got := map[string]int64{}
		for _, c := range rows[count](t, m, "SELECT metric, sum(breached)::bigint AS breached FROM sla_compliance_daily WHERE source = 'chatwoot' GROUP BY metric") {
			if c.Breached > 0 {
				got[c.Metric] = c.Breached
			}
		}
		require.Equal(t, want, got)
	})
}

// TestCookbookOnDemoData runs every cookbook query on what `syncer demo`
// mirrors: a person trying the demo gets rows to read from each.
func TestCookbookOnDemoData(t *testing.T) {
	t.Parallel()
	m := newMirror(t, devrevSource("demo", devrevtest.Demo(400, time.Now())))
	for _, q := range cookbook {
		n := 0
		r, err := m.read.Query(t.Context(), q.sql)
		require.NoError(t, err, q.question)
		for r.Next() {
			n++
		}
		require.NoError(t, r.Err(), q.question)
		require.Positive(t, n, "%s: no rows on the demo's data", q.question)
	}
}

// devrevBacklog counts, from a fake DevRev workspace's own record, its
// conversations in each status and channel at the end of each UTC day, from
// the first conversation's creation day to today's, as backlog_daily rows.
func devrevBacklog(snap devrevtest.Snapshot, now time.Time) []string {
	status := map[string]string{
		"new": "open", "active": "open", "waiting_on_user": "pending", "suspended": "snoozed",
		"resolved": "resolved", "archived": "closed",
	}
	first := now
	for _, c := range snap.Conversations {
		if c.CreatedDate.Before(first) {
			first = c.CreatedDate
		}
	}
	var out []string
	for day := first.Truncate(24 * time.Hour); !day.After(now); day = day.Add(24 * time.Hour) {
		end := day.Add(24 * time.Hour)
		counts := map[string]int{}
		for _, c := range snap.Conversations {
			if !c.CreatedDate.Before(end) {
				continue
			}
			stage := c.Stage
			if len(c.StageChanges) > 0 {
				stage = c.StageChanges[0].From
			}
			for _, ch := range c.StageChanges {
				if ch.At.Before(end) {
					stage = ch.To
				}
			}
			counts[status[stage]+" "+c.SourceChannel]++
		}
		for key, n := range counts {
			out = append(out, fmt.Sprintf("%s %s %d", day.Format(time.DateOnly), key, n))
		}
	}
	slices.Sort(out)
	return out
}

// TestCookbookIsTheREADMEs: the queries the tests run are the README's, to
// the letter, each under its question, so that what users copy is what
// passed.
func TestCookbookIsTheREADMEs(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, q := range cookbook {
		require.True(t, strings.Contains(string(readme), q.question), "the README does not ask %q", q.question)
		require.True(t, strings.Contains(string(readme), "```sql\n"+q.sql+"\n```"), "%s: the README's query differs from\n%s", q.question, q.sql)
	}
}

package devrev

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/normalizetest"
	"github.com/syncerhq/syncer/record"
)

func normalizePage(raws ...string) *fetcher.ConversationPage {
	return normalizetest.Page(addConversation, raws...)
}

func TestNormalizeConversation(t *testing.T) {
	t.Parallel()

	t.Run("OnlyAnIDIsEnough", func(t *testing.T) {
		t.Parallel()
		page := normalizetest.RequireOnlyIDLands(t, addConversation, "don:conv/1")
		// No SLA given: the conversation's SLA set is empty, and complete.
		require.Equal(t, []string{"don:conv/1"}, page.Batch.SLAOf)
	})

	t.Run("FractionalSecondsOfAnyLength", func(t *testing.T) {
		t.Parallel()
		for _, ts := range []string{"2024-03-01T10:20:30.123Z", "2024-03-01T10:20:30.123456Z", "2024-03-01T10:20:30.123456789Z", "2024-03-01T12:20:30.1+02:00", "2024-03-01T10:20:30Z"} {
			normalizetest.RequireModifiedAt(t, addConversation, "modified_date", ts, ts)
		}
	})

	t.Run("FullRecord", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(`{
			"id":"don:conv/2","display_id":"CONV-2","title":"Refund","description":"desc",
			"stage":{"name":"waiting_on_user"},"priority":{"id":2,"label":"P1"},"source_channel":"email",
			"created_date":"2024-01-01T00:00:00Z","modified_date":"2024-01-02T00:00:00.5Z",
			"created_by":{"type":"rev_user","id":"don:revu/1","display_name":"Ann","email":"ann@example.com"},
			"members":[{"type":"rev_user","id":"don:revu/1"},{"type":"dev_user","id":"don:devu/9"}],
			"owned_by":[{"type":"dev_user","id":"don:devu/9","full_name":"Dev Nine"}],
			"tags":[{"tag":{"id":"don:tag/1","name":"vip"},"value":"gold"},{"tag":{"id":"don:tag/2","name":"billing"}}],
			"channels":[{"id":"don:dm/7","display_id":"CHAN-7"}],
			"sla_summary":{"stage":"warning","target_time":"2024-01-03T00:00:00Z","closest_to_breach_metric":"first_response",
				"sla_tracker":{"id":"don:slat/1","sla":{"id":"s","name":"Gold SLA"},"metric_target_summaries":[
					{"metric_definition":{"id":"m1","name":"first_response"},"stage":"completed","status":"ok","completed_at":"2024-01-01T00:30:00Z","completed_in":30,"in_policy":true},
					{"metric_definition":{"id":"m2","name":"resolution"},"stage":"breached","breached_at":"2024-01-02T00:00:00Z","remaining_time":-5.0}
				]}},
			"x_field_from_the_future":{"a":[1,2]}
		}`)
		require.Empty(t, page.Batch.Quarantined)
		c := page.Batch.Conversations[0]
		require.Equal(t, record.StatusPending, c.Status)
		require.Equal(t, "waiting_on_user", c.NativeStatus)
		require.Equal(t, "p1", c.Priority)
		require.Equal(t, "email", c.Channel)
		require.Contains(t, string(c.Raw), "x_field_from_the_future", "raw keeps unknown fields")
		require.ElementsMatch(t, []record.Participant{
			{ConversationID: "don:conv/2", UserID: "don:revu/1", Role: record.RoleMember},
			{ConversationID: "don:conv/2", UserID: "don:devu/9", Role: record.RoleMember},
			{ConversationID: "don:conv/2", UserID: "don:devu/9", Role: record.RoleOwner},
		}, page.Batch.Participants)
		require.ElementsMatch(t, []record.Tag{
			{ConversationID: "don:conv/2", Tag: "vip", Value: "gold"},
			{ConversationID: "don:conv/2", Tag: "billing"},
		}, page.Batch.Tags)
		require.Equal(t, []string{"don:dm/7"}, page.ChatIDs)
		require.Equal(t, []string{"don:conv/2"}, page.Batch.SLAOf)
		require.Len(t, page.Batch.SLASummaries, 1)
		require.Equal(t, "Gold SLA", page.Batch.SLASummaries[0].SLAName)
		require.Equal(t, "first_response", page.Batch.SLASummaries[0].ClosestToBreachMetric)
		require.Len(t, page.Batch.SLAMetrics, 2)
		require.Equal(t, int64(30), *page.Batch.SLAMetrics[0].CompletedInMinutes, "completed_in is minutes")
		require.True(t, *page.Batch.SLAMetrics[0].InPolicy)
		require.Nil(t, page.Batch.SLAMetrics[1].CompletedInMinutes)
		require.False(t, page.Batch.SLAMetrics[1].BreachedAt.IsZero())
	})

	t.Run("NumbersAsStringsIncludingNull", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(`{"id":"c","sla_summary":{"remaining_time":"30","sla_tracker":{"metric_target_summaries":[
			{"metric_definition":{"name":"a"},"completed_in":"12"},
			{"metric_definition":{"name":"b"},"completed_in":"null"},
			{"metric_definition":{"name":"c"},"completed_in":""}
		]}}}`)
		require.Empty(t, page.Batch.Quarantined, `"null" and "" are no number, not an error`)
		require.Len(t, page.Batch.SLAMetrics, 3)
		require.Equal(t, int64(12), *page.Batch.SLAMetrics[0].CompletedInMinutes)
	})

	t.Run("TrackerWithoutMetricsIsFetchedOnItsOwn", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(`{"id":"c3","sla_tracker":{"id":"don:slat/3","display_id":"SLAT-3"}}`)
		require.Empty(t, page.Batch.SLAOf, "the SLA is not complete on this page")
		require.Equal(t, []fetcher.SLATrackerRef{{ConversationID: "c3", TrackerID: "don:slat/3"}}, page.SLATrackers)
	})

	t.Run("UnknownStageLeavesStatusNull", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(`{"id":"c","stage":{"name":"custom_triage"}}`)
		require.Empty(t, page.Batch.Conversations[0].Status)
		require.Equal(t, "custom_triage", page.Batch.Conversations[0].NativeStatus)
	})

	t.Run("BadRecordsAreQuarantinedAloneWithTheirError", func(t *testing.T) {
		t.Parallel()
		page := normalizePage(
			`{"id":"good"}`,
			`{"id":"absurd","modified_date":"0001-01-01T00:00:00Z"}`,
			`{"id":"wrongtype","title":{"not":"a string"}}`,
			`{"title":"no id"}`,
			`{"id":"bad-metric","sla_summary":{"sla_tracker":{"metric_target_summaries":[{"completed_in":"soon"}]}}}`,
		)
		require.Len(t, page.Batch.Conversations, 1, "only the good record lands; nothing of a bad one")
		require.Equal(t, "good", page.Batch.Conversations[0].ID)
		require.Equal(t, []string{"good"}, page.Batch.SLAOf)
		normalizetest.RequireQuarantined(t, page.Batch.Quarantined, record.StreamConversations,
			normalizetest.Quarantined{ID: "absurd", Error: "year 1 out of range"},
			normalizetest.Quarantined{ID: "wrongtype", Error: "decode conversation"},
			normalizetest.Quarantined{ID: normalizetest.Unidentified},
			normalizetest.Quarantined{ID: "bad-metric", Error: "SLA metric"},
		)
	})
}

func TestNormalizeEntry(t *testing.T) {
	t.Parallel()

	normalize := func(t *testing.T, raw string) (*record.Batch, error) {
		t.Helper()
		b := &record.Batch{}
		err := normalizeEntry("don:conv/1", json.RawMessage(raw), b)
		return b, err
	}

	t.Run("Comment", func(t *testing.T) {
		t.Parallel()
		b, err := normalize(t, `{"type":"timeline_comment","id":"e1","object":"don:conv/1","body":"hi 👋","body_type":"text",
			"visibility":"internal","created_by":{"type":"dev_user","id":"don:devu/1"},
			"created_date":"2024-01-01T00:00:00.000001Z","modified_date":"2024-01-01T00:00:01Z",
			"artifacts":[{"id":"don:art/1","file":{"name":"log.txt","type":"text/plain","size":42}}]}`)
		require.NoError(t, err)
		require.Len(t, b.Messages, 1)
		m := b.Messages[0]
		require.Equal(t, "hi 👋", *m.Body)
		require.Equal(t, record.VisibilityInternal, m.Visibility)
		require.Equal(t, record.AuthorAgent, m.AuthorType)
		require.Equal(t, "don:conv/1", m.ConversationID)
		require.Equal(t, 1000, m.CreatedAt.Nanosecond())
		require.Len(t, b.Attachments, 1)
		require.Equal(t, int64(42), *b.Attachments[0].Size)
		require.Equal(t, "text/plain", b.Attachments[0].ContentType)
	})

	// An unknown visibility (a value DevRev adds, another case) is kept
	// from customers rather than shown to them.
	t.Run("VisibilityFailsClosed", func(t *testing.T) {
		t.Parallel()
		for v, want := range map[string]string{
			"": record.VisibilityPublic, "external": record.VisibilityPublic, "public": record.VisibilityPublic,
			"internal": record.VisibilityInternal, "Internal": record.VisibilityInternal,
			"private": record.VisibilityPrivate, "PRIVATE": record.VisibilityPrivate,
			"members_only": record.VisibilityInternal,
		} {
			b, err := normalize(t, `{"type":"timeline_comment","id":"e1","body":"x","visibility":"`+v+`"}`)
			require.NoError(t, err)
			require.Equal(t, want, b.Messages[0].Visibility, v)
		}
	})

	t.Run("CommentWithoutBodyIsDeleted", func(t *testing.T) {
		t.Parallel()
		b, err := normalize(t, `{"type":"timeline_comment","id":"e2"}`)
		require.NoError(t, err)
		require.Nil(t, b.Messages[0].Body)
		require.Equal(t, record.VisibilityPublic, b.Messages[0].Visibility, "unset visibility is external")

		// A snap kit's or widget's content is its own body: it is no
		// deleted comment.
		for _, raw := range []string{
			`{"type":"timeline_comment","id":"e7","body_type":"snap_kit","snap_kit_body":{"body":{"snaps":[]}}}`,
			`{"type":"timeline_comment","id":"e8","body_type":"snap_widget","snap_widget_body":[{"type":"email_preview"}]}`,
		} {
			b, err := normalize(t, raw)
			require.NoError(t, err)
			require.NotNil(t, b.Messages[0].Body, raw)
		}
		for _, raw := range []string{
			`{"type":"timeline_comment","id":"e9","body_type":"snap_kit","snap_kit_body":null}`,
			`{"type":"timeline_comment","id":"e9","body_type":"text","snap_widget_body":[]}`,
			`{"type":"timeline_comment","id":"e9","body_type":"snap_widget","snap_widget_body":[ ]}`,
		} {
			b, err = normalize(t, raw)
			require.NoError(t, err)
			require.Nil(t, b.Messages[0].Body, "deleted, whatever it was: %s", raw)
		}
	})

	t.Run("AUsersRawHasOnlyWhatItsSummaryGave", func(t *testing.T) {
		t.Parallel()
		// Merged into the stored raw (UpsertUsers), an empty email would
		// erase the one a fuller summary gave.
		b, err := normalize(t, `{"type":"timeline_comment","id":"e10","body":"x","created_by":{"type":"rev_user","id":"don:revu/1"}}`)
		require.NoError(t, err)
		require.JSONEq(t, `{"type":"rev_user","id":"don:revu/1"}`, string(b.Users[0].Raw))
	})

	// The decoder keeps encoding/json's leniency (see lenientJSON): these
	// payloads are odd but must land as encoding/json read them.
	t.Run("LenientLikeEncodingJSON", func(t *testing.T) {
		t.Parallel()
		b, err := normalize(t, `{"TYPE":"timeline_comment","Id":"e5","body":"first","body":"last `+"\xff"+`",
			"created_date":"2024-01-01T00:00:00Z","modified_date":null,"artifacts":[{"id":"a","file":{"size":"12.0"}}]}`)
		require.NoError(t, err)
		require.Len(t, b.Messages, 1)
		require.Equal(t, "e5", b.Messages[0].ID, "names match case-insensitively")
		require.Equal(t, "last \ufffd", *b.Messages[0].Body, "a duplicate name keeps its last value; invalid UTF-8 becomes U+FFFD")
		require.True(t, b.Messages[0].ModifiedAt.IsZero())
		require.Equal(t, int64(12), *b.Attachments[0].Size, "a numeric string is a number")
	})

	t.Run("BadTimestampQuarantines", func(t *testing.T) {
		t.Parallel()
		for _, raw := range []string{
			`{"type":"timeline_comment","id":"e6","created_date":12}`,
			`{"type":"timeline_comment","id":"e6","created_date":"yesterday"}`,
			`{"type":"timeline_comment","id":"e6","created_date":"3024-01-01T00:00:00Z"}`,
		} {
			_, err := normalize(t, raw)
			require.Error(t, err, raw)
		}
	})

	t.Run("OtherEntryTypesAreNotMessages", func(t *testing.T) {
		t.Parallel()
		for _, raw := range []string{
			`{"type":"timeline_change_event","id":"e3","event":{"type":"updated"}}`,
			`{"type":"timeline_note_v2","id":"e4","whatever":[1]}`,
			// A type of its own may give a field the comments have a shape
			// of its own.
			`{"type":"timeline_future","id":"e5","event":"x","body":{"rich":true},"created_by":"u1"}`,
		} {
			b, err := normalize(t, raw)
			require.NoError(t, err, raw)
			require.Empty(t, b.Messages)
			require.Len(t, b.EntriesRead, 1, "read cleanly: an earlier copy in quarantine leaves it")
		}
	})
}

func TestNormalizeChat(t *testing.T) {
	t.Parallel()
	b, err := normalizeChat(json.RawMessage(`{"type":"dm","id":"don:dm/1","title":"Ann & Bo",
		"users":[{"type":"dev_user","id":"u1"},{"type":"rev_user","id":"u2"}],"modified_date":"2024-02-02T00:00:00Z"}`))
	require.NoError(t, err)
	require.Equal(t, "Ann & Bo", b.Chats[0].Title)
	require.Equal(t, []string{"don:dm/1"}, b.MembersOf)
	require.Len(t, b.ChatMembers, 2)
	require.Len(t, b.Users, 2)
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	resp := func(h map[string]string) *http.Response {
		r := &http.Response{Header: http.Header{}}
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	require.Equal(t, 7*time.Second, retryAfter(resp(map[string]string{"Retry-After": "7"}), []byte(`{"retry_after":99}`), now))
	require.Equal(t, 99*time.Second, retryAfter(resp(nil), []byte(`{"type":"too_many_requests","retry_after":99}`), now))
	require.Equal(t, 30*time.Second, retryAfter(resp(nil), []byte(`{"type":"too_many_requests","retry_after":"30"}`), now), "a number as a string, as DevRev sends others")
	require.Equal(t, 1500*time.Millisecond, retryAfter(resp(nil), []byte(`{"retry_after":1.5}`), now), "not cut to a second")
	require.Equal(t, 500*time.Millisecond, retryAfter(resp(nil), []byte(`{"retry_after":"0.5"}`), now), "not cut to nothing")
	require.Zero(t, retryAfter(resp(nil), []byte(`{"retry_after":"Infinity"}`), now), "no wait of a day for nonsense")
	require.Zero(t, retryAfter(resp(map[string]string{"Retry-After": "+Inf"}), []byte(`{}`), now), "nor in the header")
	require.Equal(t, 40*time.Second, retryAfter(resp(map[string]string{"X-Ratelimit-Reset": "1700000040"}), []byte(`{}`), now))
	require.Zero(t, retryAfter(resp(nil), []byte(`not json`), now))
	require.Zero(t, retryAfter(resp(map[string]string{"Retry-After": "5m"}), []byte(`{}`), now), "seconds or a date; not 5 ms")
	require.Equal(t, 1500*time.Millisecond, retryAfter(resp(map[string]string{"Retry-After": "1.5"}), []byte(`{}`), now))
	require.Equal(t, 24*time.Hour, retryAfter(resp(nil), []byte(`{"retry_after":1e12}`), now), "at most a day, never an overflow")
	require.Equal(t, 24*time.Hour, retryAfter(resp(map[string]string{"Retry-After": "99999999999999"}), []byte(`{}`), now))
}

// TestAnErrorObjectIsNoPage: a 200 whose body is null or an error object
// fails the page, instead of ending a listing or reading as a whole timeline
// without entries, which would take the conversation's messages for
// deleted. An answer without its list is an empty page: DevRev omits what
// is empty.
func TestAnErrorObjectIsNoPage(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`null`, `{"type":"internal_error","message":"try again"}`, `{"error":"Bad gateway"}`} {
		_, _, err := parseTimelinePage("c", []byte(body))
		require.Error(t, err, body)
		_, err = parseConversationsPage([]byte(body))
		require.Error(t, err, body)
	}
	for _, body := range []string{`{}`, `{"timeline_entries":[],"conversations":[]}`, `{"next_cursor":"n"}`} {
		page, _, err := parseTimelinePage("c", []byte(body))
		require.NoError(t, err, body)
		_, whole := page.Reconciles()
		require.Equal(t, body != `{"next_cursor":"n"}`, whole, body)
		_, err = parseConversationsPage([]byte(body))
		require.NoError(t, err, body)
	}
}

// The fuzz targets feed arbitrary bytes to the decoders: they may refuse a
// record, never panic.
func FuzzNormalizeConversation(f *testing.F) {
	for _, s := range []string{
		`{"id":"c","modified_date":"2024-01-01T00:00:00.123456789Z","stage":{"name":"resolved"}}`,
		`{"id":"c","sla_summary":{"sla_tracker":{"metric_target_summaries":[{"metric_definition":{"name":"m"},"completed_in":3}]}}}`,
		`{"id":"c","priority":{"label":"P0"},"tags":[{"tag":{"name":"x"}}],"members":[{"id":"u","type":"rev_user"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		page := &fetcher.ConversationPage{}
		_ = normalizeConversation(json.RawMessage(b), page)
	})
}

func FuzzNormalizeEntry(f *testing.F) {
	for _, s := range []string{
		`{"type":"timeline_comment","id":"e","body":"x","artifacts":[{"id":"a","file":{"size":"12"}}]}`,
		`{"type":"timeline_change_event","id":"e"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = normalizeEntry("c", json.RawMessage(b), &record.Batch{})
	})
}

// TestSpecExamples decodes records built from the official OpenAPI schemas
// (every documented field, with the spec's examples): they must land. They
// are also the seeds of the fuzz targets (testdata/fuzz).
func TestSpecExamples(t *testing.T) {
	t.Parallel()
	normalizetest.RequireSpecExamplesLand(t, "testdata/fuzz/FuzzNormalizeConversation/spec-conversation",
		"testdata/fuzz/FuzzNormalizeEntry/spec-timeline-comment", addConversation, addEntry)
}

package db

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// The functions here turn records into COPY rows for rows the mirror does not
// hold yet. They must store exactly what the upsert statements store from
// jsonRows' JSON, so that a row's content never depends on the path it took:
//
//   - an empty string (omitempty in the JSON) and a zero time (omitzero) are
//     NULL;
//   - NUL characters are removed, from text and from raw documents alike,
//     and invalid UTF-8 bytes become U+FFFD, as json.Marshal makes them;
//   - times are rounded to the microsecond the way PostgreSQL rounds the
//     fraction of a timestamp it parses (halfway ones to even);
//   - a record without a raw document gets {}.
//
// write_batch_test.go writes the same records both ways and compares the rows.

func copyConversation(source string, c record.Conversation) dbq.InsertConversationsParams {
	return dbq.InsertConversationsParams{
		Source: source, ID: cleanText(c.ID), DisplayID: optText(c.DisplayID), Title: optText(c.Title),
		Description: optText(c.Description), Status: optText(c.Status), NativeStatus: optText(c.NativeStatus),
		Priority: optText(c.Priority), Channel: optText(c.Channel), CreatedAt: optTime(c.CreatedAt),
		ModifiedAt: optTime(c.ModifiedAt), Raw: rawDocument(c.Raw),
	}
}

func copyMessage(source string, m record.Message) dbq.InsertMessagesParams {
	var body *string
	if m.Body != nil {
		s := cleanText(*m.Body)
		body = &s
	}
	return dbq.InsertMessagesParams{
		Source: source, ID: cleanText(m.ID), ConversationID: cleanText(m.ConversationID),
		AuthorID: optText(m.AuthorID), AuthorType: optText(m.AuthorType), Body: body,
		BodyType: optText(m.BodyType), Visibility: optText(m.Visibility), CreatedAt: optTime(m.CreatedAt),
		ModifiedAt: optTime(m.ModifiedAt), Raw: rawDocument(m.Raw),
	}
}

func copyAttachment(source string, a record.Attachment) dbq.InsertAttachmentsParams {
	return dbq.InsertAttachmentsParams{
		Source: source, ID: cleanText(a.ID), MessageID: cleanText(a.MessageID), Name: optText(a.Name),
		ContentType: optText(a.ContentType), Size: a.Size, Raw: rawDocument(a.Raw),
	}
}

func copyParticipant(source string, p record.Participant) dbq.InsertParticipantsParams {
	return dbq.InsertParticipantsParams{
		Source: source, ConversationID: cleanText(p.ConversationID), UserID: cleanText(p.UserID), Role: cleanText(p.Role),
	}
}

func copyTag(source string, t record.Tag) dbq.InsertTagsParams {
	return dbq.InsertTagsParams{
		Source: source, ConversationID: cleanText(t.ConversationID), Tag: cleanText(t.Tag), Value: optText(t.Value),
	}
}

func copySLASummary(source string, s record.SLASummary) dbq.InsertSLASummariesParams {
	return dbq.InsertSLASummariesParams{
		Source: source, ConversationID: cleanText(s.ConversationID), Stage: optText(s.Stage),
		TargetTime: optTime(s.TargetTime), ClosestToBreachMetric: optText(s.ClosestToBreachMetric),
		SlaName: optText(s.SLAName), Raw: rawDocument(s.Raw),
	}
}

func copySLAMetric(source string, m record.SLAMetric) (dbq.InsertSLAMetricsParams, error) {
	var minutes *int32
	if m.CompletedInMinutes != nil {
		// The upsert's jsonb_to_recordset refuses the same values.
		v := *m.CompletedInMinutes
		if v < math.MinInt32 || v > math.MaxInt32 {
			return dbq.InsertSLAMetricsParams{}, fmt.Errorf("SLA metric %s of %s: completed_in_minutes %d is out of range", m.Metric, m.ConversationID, v)
		}
		n := int32(v)
		minutes = &n
	}
	return dbq.InsertSLAMetricsParams{
		Source: source, ConversationID: cleanText(m.ConversationID), Metric: cleanText(m.Metric),
		Status: optText(m.Status), Stage: optText(m.Stage), TargetTime: optTime(m.TargetTime),
		WarningTargetTime: optTime(m.WarningTargetTime), BreachedAt: optTime(m.BreachedAt),
		CompletedAt: optTime(m.CompletedAt), CompletedInMinutes: minutes, InPolicy: m.InPolicy,
		Raw: rawDocument(m.Raw),
	}, nil
}

// optText is a nullable text column: NULL for the empty string.
func optText(s string) *string {
	if s == "" {
		return nil
	}
	s = cleanText(s)
	return &s
}

// cleanText removes NUL characters, which PostgreSQL's text refuses, and
// replaces each byte of invalid UTF-8 with U+FFFD, as json.Marshal does.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r != 0:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// optTime is a nullable timestamptz column: NULL for the zero time, else
// rounded to PostgreSQL's microseconds.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = roundLikePostgres(t)
	return &t
}

// roundLikePostgres rounds t to the microsecond as PostgreSQL does when it
// parses the fraction of a second from text (the JSON the upserts send): it
// reads the fraction as a float64 and rounds fraction×10⁶ to the nearest
// integer, halfway cases to even. t.Round rounds them up, and a row could
// then differ by a microsecond with the path it took.
func roundLikePostgres(t time.Time) time.Time {
	frac := float64(t.Nanosecond()) / 1e9
	micros := math.RoundToEven(frac * 1e6)
	return t.Truncate(time.Second).Add(time.Duration(micros) * time.Microsecond)
}

// rawDocument is the raw jsonb column as COPY sends it (see CleanJSON).
func rawDocument(raw json.RawMessage) []byte { return CleanJSON(rawOrEmpty(raw)) }

// rawOrEmpty is {} for a record without a raw document: the column is NOT
// NULL, and a JSON null would be SQL's NULL to the upserts.
func rawOrEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syncerhq/syncer/db/dbq"
)

func printDemoSummary(ctx context.Context, a *app, w io.Writer, dbURL string) error {
	q := dbq.New(a.pool)
	counts, err := q.RowCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWhat landed:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TABLE\tROWS\tDELETED")
	for _, c := range counts {
		if c.Source == demoSource {
			fmt.Fprintf(tw, "  %s\t%d\t%d\n", c.Tbl, c.Total, c.Deleted)
		}
	}
	_ = tw.Flush()

	byStatus, err := q.ConversationsByStatus(ctx, demoSource)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nConversations by status:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range byStatus {
		fmt.Fprintf(tw, "  %s\t%d\n", s.Status, s.Conversations)
	}
	_ = tw.Flush()

	h, err := q.Headlines(ctx, demoSource)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nFrom the analytics views (see the README's cookbook):")
	fmt.Fprintf(w, "  answered by an agent:         %d of %d conversations\n", h.Answered, h.Conversations)
	if h.MedianFirstResponseSeconds >= 0 {
		fmt.Fprintf(w, "  median first response:        %s\n", (time.Duration(h.MedianFirstResponseSeconds) * time.Second).Round(time.Minute))
	}
	if h.MedianResolutionSeconds >= 0 {
		fmt.Fprintf(w, "  median time to resolution:    %s\n", (time.Duration(h.MedianResolutionSeconds) * time.Second).Round(time.Minute))
	}
	if h.SlaBreachRate >= 0 {
		fmt.Fprintf(w, "  SLA targets breached:         %.1f%%\n", 100*h.SlaBreachRate)
	}

	fmt.Fprintf(w, "\nQuery it yourself:\n  psql '%s'\n", redactURL(dbURL))
	fmt.Fprintf(w, "  SELECT channel, count(*), avg(first_response_seconds) FROM conversation_metrics WHERE source = '%s' GROUP BY 1;\n", demoSource)
	return nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

// redactURL hides a database URL's passwords, which the user may have given
// in its user part or as parameters (password, sslpassword).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "PASSWORD")
	}
	q, hidden := u.Query(), false
	for key := range q {
		if strings.Contains(strings.ToLower(key), "password") {
			q.Set(key, "PASSWORD")
			hidden = true
		}
	}
	if hidden { // re-encoded only then: it sorts the parameters
		u.RawQuery = q.Encode()
	}
	return u.String()
}

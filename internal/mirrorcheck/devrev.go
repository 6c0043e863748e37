package mirrorcheck

import (
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/devrev/devrevtest"
)

// DevRev is what the mirror of a fake DevRev workspace should hold: every
// conversation with its comments and SLA, and every chat and user the
// workspace refers to.
func DevRev(snap devrevtest.Snapshot) Want {
	var w Want
	for _, sc := range snap.Conversations {
		w.Conversations = append(w.Conversations, devrevConversation(sc))
	}
	for _, c := range snap.Chats {
		w.Chats = append(w.Chats, Item{ID: c.ID, Fields: Record{
			"title": c.Title, "modified_at": Time(c.ModifiedDate), "members": Set(c.UserIDs),
		}})
	}
	for _, u := range snap.Users {
		w.Users = append(w.Users, Item{ID: u.ID, Fields: Record{
			"type": u.Type, "display_name": u.DisplayName, "email": u.Email, "full_name": u.FullName,
		}})
	}
	return w
}

func devrevConversation(sc devrevtest.SnapConversation) Conversation {
	c := Conversation{Item: Item{ID: sc.ID, Fields: Record{
		"display_id":          sc.DisplayID,
		"title":               sc.Title,
		"description":         sc.Description,
		"native_status":       sc.Stage,
		"channel":             sc.SourceChannel,
		"created_at":          Time(sc.CreatedDate),
		"modified_at":         Time(sc.ModifiedDate),
		"participants/member": Set(sc.MemberIDs),
		"participants/owner":  Set(sc.OwnerIDs),
		"tag values":          Pairs(sc.Tags),
		"sla":                 null,
		"stage history":       devrevHistory(sc),
	}}, Metrics: []Item{}}
	if s := sc.SLA; s != nil {
		c.Fields["sla"] = s.SLAName
		c.Fields["sla closest_to_breach_metric"] = s.ClosestToBreachMetric
		c.Fields["sla target_time"] = Time(s.TargetTime)
		for _, mt := range s.Metrics {
			c.Metrics = append(c.Metrics, Item{ID: mt.Name, Fields: Record{
				"status":               mt.Status,
				"stage":                mt.Stage,
				"target_time":          TimePtr(mt.TargetTime),
				"warning_target_time":  TimePtr(mt.WarningTargetTime),
				"breached_at":          TimePtr(mt.BreachedAt),
				"completed_at":         TimePtr(mt.CompletedAt),
				"completed_in_minutes": Minutes(mt.CompletedInMinutes),
				"in_policy":            strconv.FormatBool(mt.InPolicy),
			}})
		}
	}
	for _, cm := range sc.Comments {
		var atts []string
		for _, a := range cm.Artifacts {
			atts = append(atts, Attachment(a.ID, a.Name, a.Type, int64(a.Size)))
		}
		c.Messages = append(c.Messages, Item{ID: cm.ID, Fields: Record{
			"body":        Nullable(cm.Body),
			"author_id":   cm.AuthorID,
			"visibility":  devrevVisibility(cm.Visibility),
			"created_at":  Time(cm.CreatedDate),
			"modified_at": Time(cm.ModifiedDate),
			"attachments": Set(atts),
		}})
	}
	return c
}

// devrevHistory is the history a conversation's timeline records: from its
// creation in the stage its first change left (its stage, when it never
// changed), then a version at each change event's time, to the microsecond.
func devrevHistory(sc devrevtest.SnapConversation) string {
	first := sc.Stage
	if len(sc.StageChanges) > 0 {
		first = sc.StageChanges[0].From
	}
	versions := []string{StageVersion(sc.CreatedDate.Truncate(time.Microsecond), first, "event")}
	for _, c := range sc.StageChanges {
		versions = append(versions, StageVersion(c.At.Truncate(time.Microsecond), c.To, "event"))
	}
	return History(versions)
}

// devrevVisibility is the mirror's name for a DevRev entry visibility:
// unset means external; a value the spec does not list is internal.
func devrevVisibility(v string) string {
	switch v = strings.ToLower(v); v {
	case "", "external", "public":
		return "public"
	case "private":
		return v
	default:
		return "internal"
	}
}

package db

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/record"
)

// users upserts the batch's users, one row per user: the same user may come
// in several summaries of different shapes, and the row gets what they all
// gave, as UpsertUsers merges a summary into the stored row.
func (w *batchWriter) users(ctx context.Context) error {
	users := dedupe(w.b.Users, func(u record.User) string { return u.ID }, mergeUser)
	if len(users) == 0 {
		return nil
	}
	err := sendJSON(users, "upsert users", func(rows []byte) error {
		return w.q.UpsertUsers(ctx, dbq.UpsertUsersParams{Source: w.source, Rows: rows})
	})
	if err != nil {
		return err
	}
	w.res.add("users", len(users))
	return nil
}

// mergeUser is next merged into kept by UpsertUsers' rules: a field next
// leaves empty keeps kept's, and next's raw keys replace kept's (jsonb's ||).
func mergeUser(kept, next record.User) record.User {
	for _, f := range []struct{ into, from *string }{
		{&next.Type, &kept.Type}, {&next.DisplayName, &kept.DisplayName},
		{&next.FullName, &kept.FullName}, {&next.Email, &kept.Email}, {&next.State, &kept.State},
	} {
		if *f.into == "" {
			*f.into = *f.from
		}
	}
	next.Raw = mergeObjects(kept.Raw, next.Raw)
	return next
}

// mergeObjects is a with b's keys set over it, as jsonb's || merges two
// objects. The same agent's summary comes on every page of a batch, so equal
// documents return at once; b wins whole when either is not an object, a
// when b is missing.
func mergeObjects(a, b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 || string(a) == string(b) {
		return b
	}
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil || ma == nil || mb == nil {
		return b
	}
	maps.Copy(ma, mb)
	merged, err := json.Marshal(ma)
	if err != nil {
		return b
	}
	return merged
}

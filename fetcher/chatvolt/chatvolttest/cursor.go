package chatvolttest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// The cursor dialect's opaque nextCursor: a keyset position and the filters
// it was issued for.

// fingerprint identifies the filter in a cursor, so that a cursor cannot
// continue a listing with other filters.
func (f *listFilter) fingerprint() string {
	var b strings.Builder
	for _, v := range []string{f.agentID, f.channel, f.status, f.priority, f.assigneeID} {
		b.WriteString(v)
		b.WriteByte(0)
	}
	if f.unread != nil {
		b.WriteString(strconv.FormatBool(*f.unread))
	}
	b.WriteByte(0)
	for _, t := range []time.Time{f.from, f.to} {
		if !t.IsZero() {
			b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
		}
		b.WriteByte(0)
	}
	return strconv.FormatUint(fakeapi.Hash(0, b.String()), 36)
}

// listCursor is the opaque nextCursor: the last conversation served (a
// keyset position, so inserts and deletions shift nothing) and the filter.
type listCursor struct {
	CreatedAt int64  `json:"t"` // unix milliseconds
	ID        string `json:"i"`
	Filter    string `json:"f"`
}

func newCursor(c *conversation, f *listFilter) string {
	raw, _ := json.Marshal(listCursor{CreatedAt: c.created.UnixMilli(), ID: c.id, Filter: f.fingerprint()}) // cannot fail: plain struct
	return base64.RawURLEncoding.EncodeToString(raw)
}

// parseCursor decodes a cursor issued for filter f into a list position.
func parseCursor(s string, f *listFilter) (listKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return listKey{}, errors.New("invalid cursor")
	}
	var c listCursor
	if err := json.Unmarshal(raw, &c); err != nil || c.ID == "" {
		return listKey{}, errors.New("invalid cursor")
	}
	if c.Filter != f.fingerprint() {
		return listKey{}, errors.New("cursor was issued for other filters")
	}
	return listKey{created: time.UnixMilli(c.CreatedAt).UTC(), id: c.ID}, nil
}

package fetcher

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/syncerhq/syncer/record"
)

// Quarantine adds to b a vendor record that could not be normalized, with
// its error and its parent's id when it has one (a message's conversation),
// so that a later pass can fetch it again. The record is named by its "id"
// (a string or a number); one without an id is named by a hash of its bytes,
// so the same bad record seen again counts as another attempt.
func Quarantine(b *record.Batch, stream, parentID string, raw json.RawMessage, err error) {
	var ids struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.Unmarshal(raw, &ids)
	id := strings.Trim(string(ids.ID), `"`)
	if id == "" || id == "null" {
		h := fnv.New64a()
		_, _ = h.Write(raw)
		id = fmt.Sprintf("unidentified:%x", h.Sum64())
	}
	b.Quarantined = append(b.Quarantined, record.Quarantined{
		Stream: stream, RecordID: id, ParentID: parentID, Raw: string(raw), Error: err.Error(),
	})
}

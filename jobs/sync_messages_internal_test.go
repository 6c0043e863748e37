package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/internal/dbtest"
	"github.com/syncerhq/syncer/record"
)

// TestAReadThatCannotReconcileStillSeesAnotherEnd: a read that may not take
// anything for deleted (Chatwoot's public API, a window) is read again when
// another read of its conversation ended while it ran, as one that
// reconciles is: the copies it stores may be older than the other's (a
// message deleted meanwhile), and nothing dates Chatwoot's messages.
func TestAReadThatCannotReconcileStillSeesAnotherEnd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testDeps(t)
	pool := d.Pool
	began := time.Now().Add(-time.Minute)
	dbtest.Exec(t, pool, `INSERT INTO conversation_messages_synced (source, id, synced_for, read_done_at)
		VALUES ('s', 'ended-during', now(), now()), ('s', 'ended-before', now(), now() - interval '1 hour')`)
	read := func(id string, reconciles bool) finishedRead {
		return finishedRead{target: MessageTarget{ConversationID: id, Since: began}, last: &fetcher.MessagePage{Unreliable: !reconciles}}
	}
	again, err := d.reconcileMessages(ctx, dbq.New(pool), jobRef{source: "s"},
		[]finishedRead{read("ended-during", false), read("ended-before", false), read("never-read", true)}, began)
	require.NoError(t, err)
	var ids []string
	for _, t := range again {
		ids = append(ids, t.ConversationID)
	}
	require.Equal(t, []string{"ended-during"}, ids)
}

// TestAReadThatMissedSomethingTakesNothingForDeleted: a page that may have
// missed messages (a DevRev thread it could not read) marks its read, and
// the read's end, however whole its last page, takes nothing for deleted.
func TestAReadThatMissedSomethingTakesNothingForDeleted(t *testing.T) {
	t.Parallel()
	var reads messageReads
	var b record.Batch
	reads.land(&b, MessageTarget{ConversationID: "c"}, &fetcher.MessagePage{NextCursor: "2", Unreliable: true})
	require.True(t, reads.more[0].Unreliable, "carried to the next page")
	reads.land(&b, reads.more[0], &fetcher.MessagePage{})
	reads.land(&b, MessageTarget{ConversationID: "d"}, &fetcher.MessagePage{})
	all, reconciling := goneReads(reads.finished, time.Now())
	require.Len(t, all, 2)
	require.Len(t, reconciling, 1)
	require.Equal(t, "d", reconciling[0].ConversationID)
}

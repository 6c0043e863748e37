package jobs

import (
	"hash/fnv"
	"sync"

	"github.com/syncerhq/syncer/record"
)

// userCacheSize bounds the users remembered per process; past it the cache
// starts over (it only saves work).
const userCacheSize = 100_000

// UserCache remembers the user records this process has committed, so that
// a page does not write again the agents that appear on every page. A user
// whose record changed is written as usual; a forgotten one is written again.
type UserCache struct {
	mu   sync.Mutex
	seen map[string]uint64 // source + id → hash of the record last written
}

// NewUserCache returns an empty cache.
func NewUserCache() *UserCache { return &UserCache{seen: map[string]uint64{}} }

// unwritten returns the users of b that this process has not committed as
// they are.
func (c *UserCache) unwritten(source string, users []record.User) []record.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := users[:0:0]
	for _, u := range users {
		if h, ok := c.seen[source+"\x00"+u.ID]; !ok || h != userHash(u) {
			out = append(out, u)
		}
	}
	return out
}

// committed records users as written; call it only after their transaction
// committed.
func (c *UserCache) committed(source string, users []record.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen)+len(users) > userCacheSize {
		c.seen = map[string]uint64{}
	}
	for _, u := range users {
		c.seen[source+"\x00"+u.ID] = userHash(u)
	}
}

// Forget drops everything remembered. Call it whenever the pool opens a
// connection: on a server that runs with synchronous_commit off, a commit
// the process saw can be lost in a database crash, which also closes every connection; a page lost
// that way is fetched again, but its users would be taken for written.
func (c *UserCache) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = map[string]uint64{}
}

func userHash(u record.User) uint64 {
	h := fnv.New64a()
	for _, s := range []string{u.ID, u.Type, u.DisplayName, u.FullName, u.Email, u.State} {
		_, _ = h.Write([]byte(s))
		_, _ = h.Write([]byte{0})
	}
	_, _ = h.Write(u.Raw)
	return h.Sum64()
}

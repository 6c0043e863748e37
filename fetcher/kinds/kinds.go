// Package kinds lists the vendors syncer mirrors. A new vendor is a package
// of its own under fetcher/ that declares its fetcher.Kind, and one line
// here.
package kinds

import (
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/fetcher/chatvolt"
	"github.com/syncerhq/syncer/fetcher/chatwoot"
	"github.com/syncerhq/syncer/fetcher/devrev"
)

// All returns every kind of source, in the order the documentation lists
// them.
func All() []fetcher.Kind {
	return []fetcher.Kind{
		devrev.Kind(),
		chatwoot.Kind(),
		chatvolt.Kind(),
	}
}

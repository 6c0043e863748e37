package db_test

import (
	"fmt"

	"github.com/syncerhq/syncer/db"
)

// PostgreSQL's jsonb refuses NUL characters; the page writer removes them
// from the encoded rows, leaving an escaped backslash followed by "u0000"
// (which is text, not a NUL) alone.
func ExampleStripNULEscapes() {
	fmt.Println(string(db.StripNULEscapes([]byte(`{"body":"a\u0000b","note":"\\u0000 is fine"}`))))
	// Output: {"body":"ab","note":"\\u0000 is fine"}
}

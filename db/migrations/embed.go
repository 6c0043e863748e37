// Package migrations embeds the goose SQL migrations that create the mirror's
// schema, so that the binary carries them.
package migrations

import "embed"

// FS holds every migration file, named NNNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS

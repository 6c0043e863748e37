package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
)

// migrateCommand applies the schema migrations, or with --down rolls them
// back.
func migrateCommand() command {
	var down bool
	return command{
		name:     "migrate",
		synopsis: "[--down]",
		summary:  "apply the schema migrations (idempotent, safe\nconcurrently); --down drops the mirror's tables",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.BoolVar(&down, "down", false, "roll back every migration instead: DROPS the mirror's tables")
		},
		needs: openDatabase,
		run: func(ctx context.Context, e env, a *app) error {
			if down {
				res, err := db.MigrateDown(ctx, a.pool)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "rolled back %d mirror migrations and %d River migrations\n", len(res.Mirror), len(res.River))
				return nil
			}
			res, err := db.Migrate(ctx, a.pool)
			if err != nil {
				return err
			}
			if len(res.Mirror) == 0 && len(res.River) == 0 {
				fmt.Fprintln(e.stdout, "schema is up to date")
				return nil
			}
			fmt.Fprintf(e.stdout, "applied mirror migrations %v and River migrations %v\n", res.Mirror, res.River)
			return nil
		},
	}
}

package main

import (
	"context"
	"fmt"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/db"
)

func cmdMigrate(ctx context.Context, e env, args []string) error {
	var flags config.Flags
	fs := newFlagSet("migrate", e, &flags)
	down := fs.Bool("down", false, "roll back every migration instead: DROPS the mirror's tables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, e, flags, false)
	if err != nil {
		return err
	}
	defer a.close()
	if *down {
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
}

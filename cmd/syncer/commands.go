package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/syncerhq/syncer/config"
)

// command is one of syncer's commands. Running one is the same steps for
// all: parse the shared and the command's flags, check them, open what the
// command needs, run it.
type command struct {
	name string
	// synopsis shows the command's own flags in `syncer --help`; summary
	// says what it does, in lines of at most 55 characters.
	synopsis, summary string
	// flags registers the command's own flags; shared holds the flags every
	// command has, for the commands that read them before opening the app.
	flags func(fs *flag.FlagSet, shared *config.Flags)
	// required names the flags the command cannot run without.
	required []string
	// check validates the flags before anything is opened; may be nil.
	check func() error
	// needs says what is opened before run; with openNothing, a is nil.
	needs needs
	run   func(ctx context.Context, e env, a *app) error
}

// needs is what a command needs opened before it runs.
type needs int

const (
	openNothing      needs = iota // the command opens what it needs itself
	openDatabase                  // configuration and database, any schema
	openMirror                    // and a current schema
	openMirrorSource              // and at least one source configured
)

// errHelp is a command's -h: its flags were printed, and that is a success.
var errHelp = errors.New("help requested")

func (c command) execute(ctx context.Context, e env, args []string) error {
	var shared config.Flags
	fs := flag.NewFlagSet("syncer "+c.name, flag.ContinueOnError)
	shared.Register(fs)
	if c.flags != nil {
		c.flags(fs, &shared)
	}
	// The flag package prints the whole usage on a mistake; one line and a
	// hint say more.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fmt.Fprintf(e.stdout, "Usage: syncer %s %s\n%s\n\nFlags:\n", c.name, c.synopsis, c.summary)
			fs.PrintDefaults()
			return errHelp
		}
		return usageError{fmt.Errorf("%w (see 'syncer %s -h')", err, c.name)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := checkRequired(fs, c.required); err != nil {
		return usageError{err}
	}
	if c.check != nil {
		if err := c.check(); err != nil {
			return usageError{err}
		}
	}
	if c.needs == openNothing {
		return c.run(ctx, e, nil)
	}
	a, err := openApp(ctx, e, shared, c.needs == openMirrorSource)
	if err != nil {
		return err
	}
	defer a.close()
	if c.needs >= openMirror {
		if err := a.requireSchema(ctx); err != nil {
			return err
		}
	}
	return c.run(ctx, e, a)
}

// withFlags returns c taking also the flags add registers: those a family
// of commands shares, written once for all of them.
func (c command) withFlags(add func(fs *flag.FlagSet, shared *config.Flags)) command {
	own := c.flags
	c.flags = func(fs *flag.FlagSet, shared *config.Flags) {
		add(fs, shared)
		if own != nil {
			own(fs, shared)
		}
	}
	return c
}

// checkRequired refuses a command line that leaves out a required flag,
// naming the ones left out.
func checkRequired(fs *flag.FlagSet, required []string) error {
	var missing []string
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s is required", missing[0])
	}
	return fmt.Errorf("%s are required", strings.Join(missing, " and "))
}

package config

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestZeroFlagsAreRefused: --workers 0 and --interval 0s are mistakes, not
// "not given": taken for unset, they would quietly become 16 and 1m.
func TestZeroFlagsAreRefused(t *testing.T) {
	t.Parallel()
	parse := func(args ...string) (Flags, error) {
		var f Flags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f.RegisterWorkers(fs)
		f.RegisterInterval(fs)
		return f, fs.Parse(args)
	}
	for _, args := range [][]string{{"--workers", "0"}, {"--workers", "-3"}, {"--workers", "x"}, {"--interval", "0s"}, {"--interval", "-1m"}} {
		_, err := parse(args...)
		require.Error(t, err, args)
	}
	f, err := parse("--workers", "3", "--interval", "90s")
	require.NoError(t, err)
	require.Equal(t, 3, f.Workers)
	require.Equal(t, 90*time.Second, f.PassInterval)
	f, err = parse()
	require.NoError(t, err)
	require.Zero(t, f.Workers, "not given")
	require.Zero(t, f.PassInterval, "not given")
}

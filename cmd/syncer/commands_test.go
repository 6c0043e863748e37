package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryCommandHasHelp: `syncer COMMAND -h` prints the command's flags on
// stdout and succeeds, before anything is configured or opened; a flag the
// command does not have is a usage error.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	noEnv := func(string) (string, bool) { return "", false }
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{c.name, "-h"}, &stdout, &stderr, noEnv)
			require.Equal(t, exitOK, code, stderr.String())
			require.Contains(t, stdout.String(), "Usage of syncer "+c.name)
			require.Contains(t, stdout.String(), "-database-url", "the shared flags are listed too")

			stdout.Reset()
			stderr.Reset()
			code = run(t.Context(), []string{c.name, "--no-such-flag"}, &stdout, &stderr, noEnv)
			require.Equal(t, exitUsage, code)
			require.True(t, strings.Contains(stderr.String(), "no-such-flag"), stderr.String())
		})
	}
}

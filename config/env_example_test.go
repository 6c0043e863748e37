package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEnvExampleListsEveryVariable: .env.example, which users copy, names
// every variable of the README's configuration table.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	example, err := os.ReadFile("../.env.example")
	require.NoError(t, err)
	section := string(readme)
	start := strings.Index(section, "### Configuration")
	require.Positive(t, start)
	section = section[start:]
	table := strings.Index(section, "| variable |")
	require.Positive(t, table)
	section = section[table:]
	section = section[:strings.Index(section, "\n\n")]
	rows := regexp.MustCompile("(?m)^\\| ((?:`[A-Z0-9_]+`(?:, )?)+) \\|").FindAllStringSubmatch(section, -1)
	require.NotEmpty(t, rows)
	for _, row := range rows {
		for _, name := range regexp.MustCompile("[A-Z0-9_]+").FindAllString(row[1], -1) {
			if name == "GOGC" || name == "GOMEMLIMIT" {
				continue // Go's own
			}
			require.Regexp(t, "(?m)^#? ?"+name+"=", string(example), "%s is in the README's table but not in .env.example", name)
		}
	}
}

// Package normalizetest helps the tests of the vendors' normalizers: it reads
// Go fuzz corpus files (the specs' examples are seeds, and tests assert on
// them too) and normalizes records the way a listing does.
package normalizetest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ReadFile returns the bytes of a single-value Go fuzz corpus file
// (testdata/fuzz/FuzzX/name), so that a test can also assert on the seeds.
func ReadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read corpus file: %w", err)
	}
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, fmt.Errorf("%s: not a go fuzz corpus file", path)
	}
	value := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
	s, err := strconv.Unquote(value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return []byte(s), nil
}

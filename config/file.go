package config

import (
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// readFile reads the YAML file at path, with ${VAR} expanded from env; an
// empty path is no file.
//
// A variable's value is put into the parsed file's strings, never into its
// text: read as YAML, a token's leading '*' or '!', or a ' #' in it, would
// change it or put it in an error message. The file is parsed with a
// placeholder where each ${VAR} stands, so that ${VAR} may stand anywhere a
// word may (in a flow mapping too); a '$' not followed by {NAME}, in a
// password say, stays what it is.
func readFile(path string, env func(string) string) (file, error) {
	var f file
	if path == "" {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("read config file: %w", err)
	}
	vars := newVariables(env)
	text := variable.ReplaceAllStringFunc(string(b), vars.placeholder)
	parsed, err := parser.ParseBytes([]byte(text), 0)
	if err != nil {
		return f, fmt.Errorf("config file %s: %s", path, yaml.FormatError(err, false, false))
	}
	for _, doc := range parsed.Docs {
		if doc.Body != nil {
			ast.Walk(vars, doc.Body)
		}
	}
	// A variable a setting names but the environment leaves unset is a
	// mistake, and the error it would cause later ("no token") would not
	// name it. One named in a comment is no setting.
	if len(vars.unset) > 0 {
		return f, fmt.Errorf("config file %s names environment variables that are not set: %s", path, strings.Join(vars.unset, ", "))
	}
	for _, doc := range parsed.Docs {
		if doc.Body == nil {
			continue
		}
		if err := yaml.NodeToValue(doc.Body, &f, yaml.Strict()); err != nil {
			return f, fmt.Errorf("config file %s: %s", path, yaml.FormatError(err, false, false))
		}
	}
	f.variables = vars.used
	return f, nil
}

// asWritten is a number node as the text it was written as; any other node
// as it is.
func asWritten(n ast.Node) ast.Node {
	switch num := n.(type) {
	case *ast.IntegerNode:
		return ast.String(num.Token)
	case *ast.FloatNode:
		return ast.String(num.Token)
	}
	return n
}

// numericKey reports whether a setting of the file is a number; every other
// one is text, taken as written.
func numericKey(key string) bool {
	switch key {
	case "workers", keyPageSize, keyRequests:
		return true
	}
	return false
}

// variable is a reference to an environment variable: ${NAME}.
var variable = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// variables stand in for the file's ${NAME}s while it is parsed, then put
// their values into the strings that hold them.
type variables struct {
	env    func(string) string
	prefix string   // unlikely in any file: it ends with random hex
	names  []string // of each placeholder, by index
	// used are the variables the parsed file's settings name (not its
	// comments), in order, and unset those of them the environment leaves
	// unset.
	used, unset []string
	held        *regexp.Regexp
}

func newVariables(env func(string) string) *variables {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	prefix := fmt.Sprintf("syncervar%x_", nonce)
	return &variables{env: env, prefix: prefix, held: regexp.MustCompile(prefix + `(\d+)_`)}
}

// placeholder is what the file holds for ref while it is parsed.
func (v *variables) placeholder(ref string) string {
	name := variable.FindStringSubmatch(ref)[1]
	v.names = append(v.names, name)
	return v.prefix + strconv.Itoa(len(v.names)-1) + "_"
}

// Visit puts the variables' values into a parsed string, and keeps a
// setting that is text as written where YAML would read a number: a token
// or secret of 0x1F or 0o17 or 1_000 would otherwise be 31, 15 or 1000.
func (v *variables) Visit(n ast.Node) ast.Visitor {
	if mv, ok := n.(*ast.MappingValueNode); ok && !numericKey(mv.Key.String()) {
		if anchor, ok := mv.Value.(*ast.AnchorNode); ok {
			anchor.Value = asWritten(anchor.Value)
		} else {
			mv.Value = asWritten(mv.Value)
		}
	}
	if s, ok := n.(*ast.StringNode); ok {
		s.Value = v.held.ReplaceAllStringFunc(s.Value, func(p string) string {
			i, _ := strconv.Atoi(v.held.FindStringSubmatch(p)[1])
			name := v.names[i]
			value := v.env(name)
			if !slices.Contains(v.used, name) {
				v.used = append(v.used, name)
				if value == "" {
					v.unset = append(v.unset, name)
				}
			}
			return value
		})
	}
	return v
}

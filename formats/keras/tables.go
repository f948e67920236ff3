package keras

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// The tables below are data with the source each entry was read from;
// their headers document the columns.
var (
	//go:embed pathargs.tsv
	pathArgsTSV string
	//go:embed extensions.tsv
	extensionsTSV string
)

// pathArg is a constructor argument that names a file to read.
type pathArg struct {
	class, arg string
	protoRule  bool // keras_hub's base64-or-path heuristic applies
}

// extension is a module (or module prefix) of a Keras extension library
// and the names in it that are modelling APIs.
type extension struct {
	module, library string
	names           map[string]bool // nil: every name
	patterns        []string        // names given as "Prefix*Suffix"
}

var (
	pathArgs   = mustParse(parsePathArgs(pathArgsTSV))
	extensions = mustParse(parseExtensions(extensionsTSV))
)

func mustParse[T any](v T, err error) T {
	if err != nil {
		panic("keras: embedded table: " + err.Error())
	}
	return v
}

// rows splits a TSV table into its rows of want columns, each non-empty.
func rows(tsv string, want int) ([][]string, error) {
	var out [][]string
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != want {
			return nil, fmt.Errorf("line %d: %d columns, want %d", n+1, len(c), want)
		}
		for i, v := range c {
			if v == "" {
				return nil, fmt.Errorf("line %d: column %d is empty", n+1, i+1)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func parsePathArgs(tsv string) ([]pathArg, error) {
	rs, err := rows(tsv, 4)
	if err != nil {
		return nil, err
	}
	out := make([]pathArg, 0, len(rs))
	for _, r := range rs {
		if r[2] != "string" && r[2] != "spproto" {
			return nil, fmt.Errorf("%s.%s: unknown check %q", r[0], r[1], r[2])
		}
		out = append(out, pathArg{class: r[0], arg: r[1], protoRule: r[2] == "spproto"})
	}
	return out, nil
}

func parseExtensions(tsv string) ([]extension, error) {
	rs, err := rows(tsv, 4)
	if err != nil {
		return nil, err
	}
	out := make([]extension, 0, len(rs))
	for _, r := range rs {
		e := extension{module: r[0], library: r[2]}
		if r[1] != "*" {
			e.names = map[string]bool{}
			for _, n := range strings.Split(r[1], ",") {
				n = strings.TrimSpace(n)
				switch strings.Count(n, "*") {
				case 0:
					e.names[n] = true
				case 1:
					if n == "*" {
						return nil, fmt.Errorf("%s: \"*\" inside a list would cover every name", r[0])
					}
					e.patterns = append(e.patterns, n)
				default:
					return nil, fmt.Errorf("%s: name pattern %q has more than one \"*\"", r[0], n)
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// classMatches applies a table's class pattern: "X*" a prefix, "*X" a
// suffix, anything else the exact name.
func classMatches(pattern, class string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(class, p)
	}
	if s, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(class, s)
	}
	return pattern == class
}

// extensionOf returns the extension library that defines name in mod.
func extensionOf(mod, name string) (string, bool) {
	for _, e := range extensions {
		in := mod == e.module || strings.HasSuffix(e.module, ".") && strings.HasPrefix(mod, e.module)
		if in && (e.names == nil || e.names[name] || slices.ContainsFunc(e.patterns, func(p string) bool { return globMatches(p, name) })) {
			return e.library, true
		}
	}
	return "", false
}

// globMatches applies a name pattern with one "*": the name must begin
// with what precedes it and end with what follows it.
func globMatches(pattern, name string) bool {
	pre, suf, _ := strings.Cut(pattern, "*")
	return len(name) >= len(pre)+len(suf) && strings.HasPrefix(name, pre) && strings.HasSuffix(name, suf)
}

// isEmbeddedProto mirrors keras_hub's SentencePieceTokenizer.set_proto: a
// string is the proto's bytes when it is longer than 2048 characters and
// strict base64 (Python's b64decode with validate=True, which refuses line
// breaks that Go's decoder would skip); otherwise it is opened as a path.
func isEmbeddedProto(s string) bool {
	if len(s) <= 2048 || strings.ContainsAny(s, "\r\n") {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

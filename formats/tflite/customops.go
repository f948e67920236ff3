package tflite

import (
	_ "embed"
	"fmt"
	"strings"
)

// customops.tsv says, for each custom operator name modelgate knows, who
// ships its kernel; its header documents the columns and where each entry
// was read.
//
//go:embed customops.tsv
var customOpsTSV string

type opKind int

const (
	unknownOp opKind = iota // a kernel nobody vouches for
	tfliteOp                // shipped with TFLite or its support libraries
	libraryOp               // a known project's kernel library
)

type opInfo struct {
	kind   opKind
	vendor string
}

type opTable struct {
	exact    map[string]opInfo
	prefixes []string
	byPrefix map[string]opInfo
}

var customOps = mustParseOps(customOpsTSV)

func mustParseOps(tsv string) opTable {
	t, err := parseOps(tsv)
	if err != nil {
		panic("tflite: embedded customops.tsv: " + err.Error())
	}
	return t
}

func parseOps(tsv string) (opTable, error) {
	t := opTable{exact: map[string]opInfo{}, byPrefix: map[string]opInfo{}}
	kinds := map[string]opKind{"tflite": tfliteOp, "library": libraryOp}
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 || c[0] == "" || c[2] == "" || c[3] == "" {
			return t, fmt.Errorf("line %d: want name, kind, vendor and source", n+1)
		}
		k, ok := kinds[c[1]]
		if !ok {
			return t, fmt.Errorf("line %d: unknown kind %q", n+1, c[1])
		}
		info := opInfo{kind: k, vendor: c[2]}
		if p, ok := strings.CutSuffix(c[0], "*"); ok && p != "" {
			t.byPrefix[p] = info
			t.prefixes = append(t.prefixes, p)
			continue
		}
		if _, dup := t.exact[c[0]]; dup {
			return t, fmt.Errorf("line %d: operator %q listed twice", n+1, c[0])
		}
		t.exact[c[0]] = info
	}
	return t, nil
}

// lookup says who ships the kernel of custom operator name.
func (t opTable) lookup(name string) opInfo {
	if info, ok := t.exact[name]; ok {
		return info
	}
	best := ""
	for _, p := range t.prefixes {
		if strings.HasPrefix(name, p) && len(p) > len(best) {
			best = p
		}
	}
	if best != "" {
		return t.byPrefix[best]
	}
	return opInfo{kind: unknownOp}
}

package onnx

import (
	_ "embed"
	"fmt"
	"strings"
)

// domains.tsv says, for each operator domain modelgate knows, what
// running a node of it needs; its header documents the columns and where
// each entry was read.
//
//go:embed domains.tsv
var domainsTSV string

// domainKind is what running a node of a domain needs from the host.
type domainKind int

const (
	unknownDomain  domainKind = iota // a custom-operator library nobody vouches for
	standardDomain                   // operators the ONNX specification defines
	runtimeDomain                    // kernels shipped inside onnxruntime
	libraryDomain                    // a known vendor's custom-operator library
)

type domainInfo struct {
	kind   domainKind
	vendor string
}

// domainTable holds exact domains and ".*" patterns, longest first.
type domainTable struct {
	exact    map[string]domainInfo
	prefixes []string // "qonnx.custom_op." for the pattern "qonnx.custom_op.*"
	byPrefix map[string]domainInfo
}

var domains = mustParseDomains(domainsTSV)

func mustParseDomains(tsv string) domainTable {
	t, err := parseDomains(tsv)
	if err != nil {
		panic("onnx: embedded domains.tsv: " + err.Error())
	}
	return t
}

func parseDomains(tsv string) (domainTable, error) {
	t := domainTable{exact: map[string]domainInfo{}, byPrefix: map[string]domainInfo{}}
	kinds := map[string]domainKind{"standard": standardDomain, "runtime": runtimeDomain, "library": libraryDomain}
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 || c[2] == "" || c[3] == "" {
			return t, fmt.Errorf("line %d: want domain, kind, vendor and source", n+1)
		}
		k, ok := kinds[c[1]]
		if !ok {
			return t, fmt.Errorf("line %d: unknown kind %q", n+1, c[1])
		}
		info := domainInfo{kind: k, vendor: c[2]}
		if p, ok := strings.CutSuffix(c[0], "*"); ok {
			t.byPrefix[p] = info
			t.prefixes = append(t.prefixes, p)
			continue
		}
		if _, dup := t.exact[c[0]]; dup {
			return t, fmt.Errorf("line %d: domain %q listed twice", n+1, c[0])
		}
		t.exact[c[0]] = info
	}
	return t, nil
}

// lookup says what a node in domain d needs.
func (t domainTable) lookup(d string) domainInfo {
	if info, ok := t.exact[d]; ok {
		return info
	}
	best := ""
	for _, p := range t.prefixes {
		if strings.HasPrefix(d, p) && len(p) > len(best) {
			best = p
		}
	}
	if best != "" {
		return t.byPrefix[best]
	}
	return domainInfo{kind: unknownDomain}
}

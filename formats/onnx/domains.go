package onnx

import (
	_ "embed"

	"github.com/modelgate/modelgate/formats"
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

var domainKinds = map[string]domainKind{"standard": standardDomain, "runtime": runtimeDomain, "library": libraryDomain}

var domains = mustParseDomains(domainsTSV)

func mustParseDomains(tsv string) formats.VendorTable {
	t, err := parseDomains(tsv)
	if err != nil {
		panic("onnx: embedded domains.tsv: " + err.Error())
	}
	return t
}

func parseDomains(tsv string) (formats.VendorTable, error) {
	return formats.ParseVendorTable(tsv, "standard", "runtime", "library")
}

// lookupDomain says what a node in domain d needs.
func lookupDomain(d string) domainInfo {
	v := domains.Lookup(d)
	return domainInfo{kind: domainKinds[v.Kind], vendor: v.Name}
}

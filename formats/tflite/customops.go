package tflite

import (
	_ "embed"

	"github.com/modelgate/modelgate/formats"
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

var opKinds = map[string]opKind{"tflite": tfliteOp, "library": libraryOp}

var customOps = mustParseOps(customOpsTSV)

func mustParseOps(tsv string) formats.VendorTable {
	t, err := parseOps(tsv)
	if err != nil {
		panic("tflite: embedded customops.tsv: " + err.Error())
	}
	return t
}

func parseOps(tsv string) (formats.VendorTable, error) {
	return formats.ParseVendorTable(tsv, "tflite", "library")
}

// lookupOp says who ships the kernel of custom operator name.
func lookupOp(name string) opInfo {
	v := customOps.Lookup(name)
	return opInfo{kind: opKinds[v.Kind], vendor: v.Name}
}

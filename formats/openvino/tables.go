package openvino

import (
	_ "embed"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// opsets.tsv lists every operation type of OpenVINO's opsets, generated
// from the opset tables; its header names the files and commits read.
//
//go:embed opsets.tsv
var opsetsTSV string

// extensions.tsv says who ships the extension layer types modelgate knows.
//
//go:embed extensions.tsv
var extensionsTSV string

var (
	opsetTypes = mustParseOpsets(opsetsTSV)
	extensions = mustParseExtensions(extensionsTSV)
)

// irNames are the types the IR serializer writes under another name than
// the operation's (translate_type_name in OpenVINO's serializer).
var irNames = map[string]string{"Const": "Constant", "PReLU": "PRelu", "ReLU": "Relu", "SoftMax": "Softmax"}

func mustParseOpsets(tsv string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, ok := strings.Cut(line, "\t")
		if !ok || name == "" || out[name] {
			panic("openvino: embedded opsets.tsv: bad or repeated line " + line)
		}
		out[name] = true
	}
	return out
}

func mustParseExtensions(tsv string) formats.VendorTable {
	t, err := formats.ParseVendorTable(tsv, "library")
	if err != nil {
		panic("openvino: embedded extensions.tsv: " + err.Error())
	}
	return t
}

// isOpsetOp reports whether a layer of this type and version is an
// operation OpenVINO itself defines.
func isOpsetOp(typ, version string) bool {
	n, ok := strings.CutPrefix(version, "opset")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return false
	}
	if alias, ok := irNames[typ]; ok {
		typ = alias
	}
	return opsetTypes[typ]
}

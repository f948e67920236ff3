// Package prototext checks protobuf text-format files that model
// frameworks load as code-bearing definitions: TensorFlow GraphDef text
// (.pbtxt), whose nodes and function library are judged by the same op
// checks as binary graphs (formats/tensorflow), and Caffe net definitions
// (.prototxt), whose Python layers import and run a named Python class
// when Caffe builds the net. It parses the text with a bounded,
// schema-less reader, re-encodes the GraphDef fields the op checks read,
// and never loads or runs anything. Text of any other message (apart from
// object-detection label maps, which hold only names and ids) is
// inconclusive: modelgate does not know what reads it.
//
// Files reach it through formats/inert, which names this format for text
// called .pbtxt or .prototxt.
package prototext

import (
	"context"
	"fmt"
	"io"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/tensorflow"
)

// RulePythonLayer is the rule of a Caffe Python layer. Rule IDs never
// change meaning once released.
const RulePythonLayer = "MG892"

func init() {
	formats.Register(formats.ProtoText, formats.AnalyzerFunc(Analyze))
	formats.RegisterRule(formats.Rule{ID: RulePythonLayer, Severity: formats.Critical,
		Title: "Caffe net definition has a Python layer",
		Doc: "A layer of the Caffe prototxt has type \"Python\" (PYTHON in V1 nets): when pycaffe builds the net " +
			"(caffe.Net, caffe.SGDSolver) it imports python_param.module and instantiates python_param.layer, " +
			"calling its setup with param_str from the file, so the module's code runs in the loading process. " +
			"A net that only describes standard layers has none; use it only if you trust the module it names."})
}

// Analyze parses a protobuf text file and checks it as a TensorFlow
// GraphDef, a Caffe net or a label map.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	r, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	if len(data) > maxBytes {
		return &formats.LimitError{Limit: "prototext-bytes", Max: maxBytes}
	}
	root, err := parse(data)
	if err != nil {
		return fmt.Errorf("prototext: %w", err)
	}
	switch {
	case has(root, "node", "library", "versions") && only(root, "node", "library", "versions", "version"):
		return graphDef(ctx, root, s)
	case has(root, "layer", "layers"):
		caffe(root, s)
		return nil
	case has(root, "item") && only(root, "item"):
		// A StringIntLabelMap: class names and ids, read as data.
		return nil
	}
	return fmt.Errorf("prototext: a text message with fields %s, neither a TensorFlow GraphDef nor a Caffe net: %w",
		fieldNames(root), formats.ErrUnsupported)
}

func has(m *node, names ...string) bool {
	for _, k := range m.kids {
		for _, n := range names {
			if k.name == n {
				return true
			}
		}
	}
	return false
}

func only(m *node, names ...string) bool {
	for _, k := range m.kids {
		ok := false
		for _, n := range names {
			ok = ok || k.name == n
		}
		if !ok {
			return false
		}
	}
	return true
}

func fieldNames(m *node) string {
	seen := map[string]bool{}
	var out []string
	for _, k := range m.kids {
		if !seen[k.name] && len(out) < 8 {
			seen[k.name] = true
			out = append(out, formats.DisplayName(k.name))
		}
	}
	return strings.Join(out, ", ")
}

// caffe reports every Python layer of a NetParameter (layer, and the V1
// layers field).
func caffe(root *node, s formats.Scope) {
	for _, l := range append(root.get("layer"), root.get("layers")...) {
		if !l.msg {
			continue
		}
		typ, _ := l.first("type")
		if typ != "Python" && typ != "PYTHON" && typ != "39" {
			continue
		}
		var module, class string
		for _, p := range l.get("python_param") {
			if v, ok := p.first("module"); ok {
				module = v
			}
			if v, ok := p.first("layer"); ok {
				class = v
			}
		}
		name, _ := l.first("name")
		s.Report(formats.NewFinding(RulePythonLayer, formats.NoOffset,
			"Caffe layer %q is a Python layer: building the net imports module %q and runs its class %q",
			formats.DisplayName(name), formats.DisplayName(module), formats.DisplayName(class)).
			With("layer", name).With("module", module).With("class", class))
	}
}

// Field numbers of the GraphDef messages the op checks read (graph.proto,
// function.proto, node_def.proto, attr_value.proto, tensor.proto); the
// text names every other field, which the checks do not read.
var schema = map[string]map[string]field{
	"GraphDef":           {"node": {1, "NodeDef"}, "library": {2, "FunctionDefLibrary"}},
	"FunctionDefLibrary": {"function": {1, "FunctionDef"}},
	"FunctionDef":        {"signature": {1, "OpDef"}, "node_def": {3, "NodeDef"}},
	"OpDef":              {"name": {1, ""}},
	"NodeDef":            {"name": {1, ""}, "op": {2, ""}, "attr": {5, "AttrEntry"}},
	"AttrEntry":          {"key": {1, ""}, "value": {2, "AttrValue"}},
	"AttrValue":          {"list": {1, "ListValue"}, "s": {2, ""}, "tensor": {8, "TensorProto"}, "func": {10, "NameAttrList"}},
	"ListValue":          {"s": {2, ""}, "tensor": {8, "TensorProto"}, "func": {9, "NameAttrList"}},
	"NameAttrList":       {"name": {1, ""}, "attr": {2, "AttrEntry"}},
	"TensorProto":        {"string_val": {8, ""}},
}

type field struct {
	num int
	msg string // the message type, or "" for a string field
}

// encode writes the fields of m that schema knows as binary protobuf.
func encode(b []byte, m *node, typ string) []byte {
	fs := schema[typ]
	for _, k := range m.kids {
		f, ok := fs[k.name]
		if !ok {
			continue
		}
		switch {
		case f.msg != "" && k.msg:
			b = protowire.AppendTag(b, protowire.Number(f.num), protowire.BytesType)
			b = protowire.AppendBytes(b, encode(nil, k, f.msg))
		case f.msg == "" && !k.msg:
			b = protowire.AppendTag(b, protowire.Number(f.num), protowire.BytesType)
			b = protowire.AppendString(b, k.text)
		}
	}
	return b
}

// graphDef runs the TensorFlow op checks on the graph the text describes.
func graphDef(ctx context.Context, root *node, s formats.Scope) error {
	bin := encode(nil, root, "GraphDef")
	return tensorflow.WalkGraphDef(ctx, bin, func(f formats.Finding) {
		// Offsets are into the re-encoded graph, not the text.
		f.Offset = formats.NoOffset
		s.Report(f)
	})
}

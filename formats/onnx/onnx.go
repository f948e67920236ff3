// Package onnx analyzes ONNX models: a streaming protobuf walk over the
// ModelProto that visits the main graph, every subgraph at any depth,
// model-local functions, training graphs, initializers, sparse and
// attribute tensors, and reports operators that run Python or native code,
// external-data references that escape the model's directory, and
// structural inconsistencies. Its "onnx" layout checks external data
// against the files beside the model.
//
// It never loads a model into a protobuf library and never reads tensor
// data: raw_data fields are skipped by their length, so memory stays flat
// whatever the file's size.
package onnx

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.ONNX, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(formats.ONNX, probe)
}

// Analyze walks one ONNX model.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("onnx %s: %w", in.Name, err)
	}
	if _, err := Walk(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("onnx %s: %w", in.Name, err)
	}
	return nil
}

// probe accepts a head whose first fields parse as ModelProto fields with
// the right wire types and an IR version in range, which covers exporters
// that write fields in an order the built-in sniff does not expect.
func probe(h formats.Head) bool {
	p := h.Prefix
	sawIR, fields := false, 0
	for len(p) > 0 && fields < 8 {
		num, typ, n := protowire.ConsumeTag(p)
		if n < 0 {
			return false
		}
		p = p[n:]
		want, known := modelFieldTypes[num]
		if !known || want != typ {
			return false
		}
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(p)
			if m < 0 {
				return false
			}
			if num == 1 {
				if v < 1 || v > 14 {
					return false
				}
				sawIR = true
			}
			p = p[m:]
		case protowire.BytesType:
			l, m := protowire.ConsumeVarint(p)
			if m < 0 || h.Size >= 0 && l > uint64(h.Size) {
				return false
			}
			if num == 7 {
				return sawIR
			}
			if l > uint64(len(p)-m) {
				return sawIR && fields > 0
			}
			p = p[m+int(l):]
		}
		fields++
	}
	return sawIR && fields >= 2
}

var modelFieldTypes = map[protowire.Number]protowire.Type{
	1: protowire.VarintType, 2: protowire.BytesType, 3: protowire.BytesType, 4: protowire.BytesType,
	5: protowire.VarintType, 6: protowire.BytesType, 7: protowire.BytesType, 8: protowire.BytesType,
	14: protowire.BytesType, 20: protowire.BytesType, 25: protowire.BytesType, 26: protowire.BytesType,
}

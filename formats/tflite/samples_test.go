package tflite

import (
	"flag"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var update = flag.Bool("update", false, "rewrite testdata from the builders")

// samples are the testdata files, built by the test builders so that
// every rule has a sample on disk (and the fuzzer a seed); go test
// -update rewrites them.
func samples() map[string][]byte {
	return map[string][]byte{
		"benign.tflite":          tflModel([]obj{opCode(0, "")}, []obj{operator(0, nil)}, []obj{buffer(nil, 0, 0), buffer([]byte{1, 2, 3, 4}, 0, 0)}),
		"custom_op.tflite":       tflModel([]obj{opCode(32, "MyNativeKernel")}, []obj{operator(0, []byte{1})}, nil),
		"flex_writefile.tflite":  tflModel([]obj{opCode(32, "FlexWriteFile")}, []obj{operator(0, flexOptions("WriteFile", nodeDef("w", "WriteFile")))}, nil),
		"flex_mismatch.tflite":   tflModel([]obj{opCode(32, "FlexAdd")}, []obj{operator(0, flexOptions("Add", nodeDef("p", "PyFunc")))}, nil),
		"buffer_beyond.tflite":   tflModel([]obj{opCode(0, "")}, nil, []obj{buffer(nil, 4096, 16)}),
		"unknown_builtin.tflite": tflModel([]obj{opCode(5000, "")}, nil, nil),
		"bad_opcode.tflite":      tflModel([]obj{opCode(0, "")}, []obj{operator(7, nil)}, nil),
	}
}

func TestSamples(t *testing.T) {
	want := map[string]string{
		"benign.tflite": "", "custom_op.tflite": RuleCustomOp, "flex_writefile.tflite": RuleFlexOp,
		"flex_mismatch.tflite": RuleFlexMismatch, "buffer_beyond.tflite": RuleBufferRange,
		"unknown_builtin.tflite": RuleUnknownBuiltin, "bad_opcode.tflite": RuleStructure,
	}
	for name, data := range samples() {
		t.Run(name, func(t *testing.T) {
			b := formatstest.Built(t, name, data, *update)
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), name, b)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Findings {
				if f.Severity >= formats.Medium {
					got = append(got, f.Rule)
				}
			}
			if w := want[name]; w == "" && len(got) > 0 || w != "" && !slices.Contains(got, w) {
				t.Fatalf("want %q, got %v", w, r.Findings)
			}
		})
	}
}

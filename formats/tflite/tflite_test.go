package tflite

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestRealWorld(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/realworld/tflite/*.tflite")
	if len(files) == 0 {
		t.Skip("no real-world samples on this machine")
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := formats.Head{Name: p, Size: int64(len(data)), Prefix: data[:min(len(data), formats.HeadSize)]}
		if !slices.Contains(formats.Sniff(h), formats.TFLite) {
			t.Errorf("%s: not sniffed as TFLite", p)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), p, data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, f := range r.Findings {
			if f.Severity >= formats.Medium {
				t.Errorf("%s: %v", p, f)
			}
		}
	}
}

func TestRules(t *testing.T) {
	add := []obj{opCode(0, "")}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"benign", tflModel(add, []obj{operator(0, nil)}, []obj{buffer(nil, 0, 0), buffer([]byte{1, 2, 3, 4}, 0, 0)}), ""},
		{"known custom", tflModel([]obj{opCode(32, "TFLite_Detection_PostProcess")}, []obj{operator(0, []byte{1})}, nil), ""},
		{"custom op", tflModel([]obj{opCode(32, "MyNativeKernel")}, []obj{operator(0, []byte{1})}, nil), RuleCustomOp},
		{"flex writefile", tflModel([]obj{opCode(32, "FlexWriteFile")}, []obj{operator(0, flexOptions("WriteFile", nodeDef("w", "WriteFile")))}, nil), RuleFlexOp},
		{"flex benign", tflModel([]obj{opCode(32, "FlexAdd")}, []obj{operator(0, flexOptions("Add", nodeDef("a", "Add")))}, nil), ""},
		{"flex mismatch", tflModel([]obj{opCode(32, "FlexAdd")}, []obj{operator(0, flexOptions("Add", nodeDef("w", "PyFunc")))}, nil), RuleFlexMismatch},
		{"flex garbage", tflModel([]obj{opCode(32, "FlexReadFile")}, []obj{operator(0, []byte{9, 9, 9})}, nil), RuleFlexMismatch},
		{"buffer beyond", tflModel(add, nil, []obj{buffer(nil, 4096, 16)}), RuleBufferRange},
		{"unknown builtin", tflModel([]obj{opCode(5000, "")}, nil, nil), RuleUnknownBuiltin},
		{"bad opcode index", tflModel(add, []obj{operator(7, nil)}, nil), RuleStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.tflite", tc.data)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			var got []string
			for _, f := range r.Findings {
				if f.Severity >= formats.Medium {
					got = append(got, f.Rule)
				}
			}
			if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("want %q, got %v", tc.want, r.Findings)
			}
		})
	}
}

func TestFlexSeverity(t *testing.T) {
	data := tflModel([]obj{opCode(32, "FlexPyFunc")}, []obj{operator(0, flexOptions("PyFunc", nodeDef("p", "PyFunc")))}, nil)
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.tflite", data)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := r.Max(); m != formats.Critical {
		t.Fatalf("want critical, got %v", r.Findings)
	}
}

func TestMalformed(t *testing.T) {
	good := tflModel([]obj{opCode(0, "")}, []obj{operator(0, nil)}, []obj{buffer([]byte{1, 2}, 0, 0)})
	for i := 0; i < len(good); i += 4 {
		bad := slices.Clone(good)
		bad[i] = 0xff
		bad[i+1] = 0xff
		bad[i+2] = 0xff
		// Corruption must give an error or findings, never a panic.
		_, _ = formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.tflite", bad)
	}
	if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.tflite", good[:len(good)/2]); err == nil {
		t.Fatal("truncated model: want an error")
	}
}

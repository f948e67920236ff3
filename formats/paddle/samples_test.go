package paddle

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var update = flag.Bool("update", false, "rewrite testdata from the builders")

func samples() map[string][]byte {
	conv := op("conv2d", attrI("groups", 1), attrS("data_format", "NCHW"))
	return map[string][]byte{
		"benign.pdmodel":        program([][]byte{op("feed"), conv, op("fetch")}),
		"benign_while.pdmodel":  program([][]byte{op("while", attrBlock("sub_block", 1))}, [][]byte{conv}),
		"py_func.pdmodel":       program([][]byte{op("py_func", attrI("forward_callable_id", 0), attrI("backward_callable_id", -1))}),
		"save_op.pdmodel":       program([][]byte{conv, op("save", attrS("file_path", "/home/user/.bashrc"))}),
		"listen.pdmodel":        program([][]byte{op("listen_and_serv", attrS("endpoint", "0.0.0.0:6174"))}),
		"bad_block.pdmodel":     program([][]byte{op("conditional_block", attrBlock("sub_block", 7))}),
		"benign.pdiparams":      msg(tensor([]int64{2, 2}, make([]byte, 16)), tensor([]int64{3}, make([]byte, 12))),
		"trailing.pdiparams":    msg(tensor([]int64{2}, make([]byte, 8)), []byte("\x80\x04cos\nsystem\n.")),
		"beyond_file.pdiparams": msg(tensor([]int64{2}, make([]byte, 8)), tensor([]int64{1 << 20}, make([]byte, 8))),
	}
}

func TestSamples(t *testing.T) {
	want := map[string]string{
		"benign.pdmodel": "", "benign_while.pdmodel": "", "py_func.pdmodel": RulePyFunc,
		"save_op.pdmodel": RuleFileOp, "listen.pdmodel": RuleNetworkOp, "bad_block.pdmodel": RuleStructure,
		"benign.pdiparams": "", "trailing.pdiparams": RuleStructure, "beyond_file.pdiparams": RuleStructure,
	}
	for name, data := range samples() {
		t.Run(name, func(t *testing.T) {
			b := formatstest.Built(t, name, data, *update)
			a, probe := AnalyzeProgram, ProbeProgram
			if filepath.Ext(name) == ".pdiparams" {
				a, probe = AnalyzeParams, ProbeParams
			}
			if !probe(formats.Head{Name: name, Size: int64(len(b)), Prefix: b}) {
				t.Fatal("probe does not identify the sample")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(a), name, b)
			if err != nil {
				t.Fatal(err)
			}
			w := want[name]
			if w == "" && len(r.Findings) > 0 || w != "" && !slices.Contains(r.Rules(), w) {
				t.Fatalf("want %q, got %v", w, r.Findings)
			}
		})
	}
}

func realProgram(t testing.TB) []byte {
	t.Helper()
	f, err := os.Open("testdata/tengine_inference.pdmodel.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealProgram reads a PaddleOCR inference program Paddle wrote.
func TestRealProgram(t *testing.T) {
	b := realProgram(t)
	if !ProbeProgram(formats.Head{Size: int64(len(b)), Prefix: b[:formats.HeadSize]}) {
		t.Fatal("probe does not identify a real program")
	}
	if ProbeParams(formats.Head{Size: int64(len(b)), Prefix: b[:formats.HeadSize]}) {
		t.Fatal("the parameters probe claims a program")
	}
	r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeProgram), "inference.pdmodel", b)
	if err != nil || len(r.Findings) > 0 {
		t.Fatalf("want clean, got %v %v", err, r.Findings)
	}
	// Truncated, the program no longer parses.
	if _, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeProgram), "inference.pdmodel", b[:len(b)-5]); err == nil {
		t.Fatal("no error for a truncated program")
	}
}

func TestParamsErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty desc":    msg(tensor(nil, nil)[:16], []byte{0, 0, 0, 0}),
		"unknown dtype": bytes.Replace(tensor([]int64{1}, make([]byte, 4)), []byte{0x08, 0x05}, []byte{0x08, 0x63}, 1),
		"version 1":     append([]byte{1}, tensor([]int64{1}, make([]byte, 4))[1:]...),
		"huge lod":      append(append([]byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), make([]byte, 30)...),
	} {
		if _, err := WalkParams(context.Background(), bytes.NewReader(b), int64(len(b)), func(formats.Finding) {}); err == nil {
			t.Errorf("%s: no error", name)
		}
		if ProbeParams(formats.Head{Size: int64(len(b)), Prefix: b}) {
			t.Errorf("%s: probe accepts it", name)
		}
	}
}

func FuzzProgram(f *testing.F) {
	for _, b := range samples() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = WalkProgram(context.Background(), b, func(formats.Finding) {})
	})
}

func FuzzParams(f *testing.F) {
	for name, b := range samples() {
		if filepath.Ext(name) == ".pdiparams" {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = WalkParams(context.Background(), bytes.NewReader(b), int64(len(b)), func(formats.Finding) {})
		ProbeParams(formats.Head{Size: int64(len(b)), Prefix: b})
	})
}

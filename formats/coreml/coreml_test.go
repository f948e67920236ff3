package coreml

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var update = flag.Bool("update", false, "rewrite testdata from the builders")

func TestSamples(t *testing.T) {
	want := map[string][]string{
		"image2image.mlmodel":            nil,
		"nn_benign.mlmodel":              nil,
		"pipeline_benign.mlmodel":        nil,
		"custom_model.mlmodel":           {RuleCustomModel},
		"custom_layer.mlmodel":           {RuleCustomLayer},
		"linked_ok.mlmodel":              {RuleLinkedModel},
		"linked_escape.mlmodel":          {RuleLinkedModel, RuleFileEscape},
		"weight_escape.mlmodel":          {RuleFileEscape},
		"nested_pipeline_custom.mlmodel": {RuleCustomModel},
		"truncated_layer.mlmodel":        {RuleStructure},
	}
	if *update {
		for n, b := range packageFiles(manifestJSON, weightFile([]byte{0, 0, 128, 63})) {
			p := filepath.Join("testdata", "program.mlpackage", n)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	names := []string{"image2image.mlmodel"} // real, see testdata/README.md
	for name, data := range samples() {
		names = append(names, name)
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, name := range names {
		p := filepath.Join("testdata", name)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !isCoreML(b, int64(len(b))) {
				t.Fatal("probe does not accept the sample")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), name, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Rules(); !slices.Equal(got, want[name]) {
				t.Fatalf("rules %v, want %v: %v", got, want[name], r.Findings)
			}
		})
	}
}

// TestProbeLeavesOthers runs the probe over every other sample of the
// repository: an ONNX model opens with field 1 as a varint too.
func TestProbeLeavesOthers(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(p), "/testdata/") ||
			strings.HasPrefix(filepath.ToSlash(p), "testdata/") || strings.Contains(filepath.ToSlash(p), "coreml/testdata/") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if isCoreML(b[:min(len(b), formats.HeadSize)], int64(len(b))) {
			t.Errorf("%s taken for Core ML", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d files looked at", n)
	}
}

func TestProbeHeads(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"onnx", msg(varint(1, 7), str(2, "pytorch"), str(3, "1.13"), sub(7, str(2, "g"))), false},
		{"no description", msg(varint(1, 4), sub(tNeuralNetwork)), false},
		{"spec 0", model(0, sub(tNeuralNetwork)), false},
		{"type beyond file", msg(varint(1, 4), sub(2, sub(1, str(1, "x"))), []byte{0xa2, 0x1f, 0x7f}), false},
		{"updatable", msg(varint(1, 4), sub(2), varint(10, 1), sub(tNeuralNetwork)), true},
	} {
		if got := isCoreML(tc.b, int64(len(tc.b))); got != tc.want {
			t.Errorf("%s: probe says %v", tc.name, got)
		}
	}
}

func TestDepthCap(t *testing.T) {
	m := model(3, sub(900))
	for range MaxDepth + 2 {
		m = model(3, sub(tPipeline, sub(1, m)))
	}
	_, err := Walk(context.Background(), bytes.NewReader(m), int64(len(m)), nil)
	if formats.Reason(err) != "limit" {
		t.Fatalf("err %v, want a limit", err)
	}
}

type mapTree map[string][]byte

func (m mapTree) Names() []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (m mapTree) Open(name string) (*formats.Input, error) {
	b, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	return formats.NewInput(name, bytes.NewReader(b), int64(len(b))), nil
}

type checkRecorder struct {
	*formatstest.Recorder
	checked []string
}

func (c *checkRecorder) Checked(m string) { c.checked = append(c.checked, m) }

func TestPackage(t *testing.T) {
	bad := weightFile([]byte{1, 2, 3, 4})
	bad[72] = 0xff // the blob claims 255 bytes
	escape := `{"itemInfoEntries":{"A1":{"path":"com.apple.CoreML/model.mlmodel"},"X":{"path":"../../../.ssh/id_rsa"}},"rootModelIdentifier":"A1"}`
	for _, tc := range []struct {
		name    string
		files   map[string][]byte
		want    []string
		checked int
	}{
		{"benign", packageFiles(manifestJSON, weightFile([]byte{1, 2, 3, 4})), nil, 2},
		{"blob beyond", packageFiles(manifestJSON, bad), []string{RuleStructure}, 2},
		{"manifest escape", packageFiles(escape, weightFile([]byte{1, 2, 3, 4})), []string{RulePackage}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := mapTree{}
			for n, b := range tc.files {
				tree["m.mlpackage/"+n] = b
			}
			l := pkgLayout{}
			if !l.Match(tree.Names()) {
				t.Fatal("layout does not match")
			}
			r := &checkRecorder{Recorder: formatstest.NewRecorder()}
			if err := l.AnalyzeTree(context.Background(), tree, r); err != nil {
				t.Fatal(err)
			}
			if got := r.Rules(); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v: %v", got, tc.want, r.Findings)
			}
			if len(r.checked) != tc.checked {
				t.Errorf("checked %v", r.checked)
			}
		})
	}
	if (pkgLayout{}).Match([]string{"Manifest.json", "README.md"}) {
		t.Error("a Manifest.json alone matches")
	}
}

func FuzzWalk(f *testing.F) {
	for _, b := range samples() {
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/image2image.mlmodel"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		isCoreML(b, int64(len(b)))
		_, _ = Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(formats.Finding) {})
	})
}

// TestProgramOps: an ML program operation of no MIL opset is reported
// once per type, at low; every op coremltools defines passes.
func TestProgramOps(t *testing.T) {
	prog := func(types ...string) []byte {
		var ops [][]byte
		for _, typ := range types {
			ops = append(ops, sub(3, str(1, typ)))
		}
		block := sub(2, str(2, "y"), msg(ops...))
		fn := sub(2, str(1, "main"), sub(2, str(2, "CoreML8"), sub(3, str(1, "CoreML8"), block)))
		return model(9, sub(tMLProgram, varint(1, 1), fn))
	}
	for _, tc := range []struct {
		name  string
		types []string
		want  []string
	}{
		{"known", []string{"const", "linear", "scaled_dot_product_attention", "read_state", "coreml_update_state", "constexpr_lut_to_dense"}, nil},
		{"unknown, twice", []string{"const", "py_func", "py_func", "custom_kernel"}, []string{RuleUnknownOp, RuleUnknownOp}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.mlmodel", prog(tc.types...))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Rules(); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v: %v", got, tc.want, r.Findings)
			}
			for _, f := range r.Findings {
				if f.Severity != formats.Low {
					t.Errorf("severity %s: %v", f.Severity, f)
				}
			}
		})
	}
	if len(milOps) < 150 || milOps["const"] != "iOS15" {
		t.Errorf("milops.tsv read as %d ops, const in %q", len(milOps), milOps["const"])
	}
}

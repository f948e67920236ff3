package keras

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// medium returns the rules recorded at medium or above.
func medium(r *formatstest.Recorder) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity >= formats.Medium {
			out = append(out, f.Rule)
		}
	}
	return out
}

func TestH5(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
	}{
		{"testdata/benign.h5", ""},
		{"../hdf5/testdata/plain_v0.h5", ""},
		{"../hdf5/testdata/dense_v3.h5", ""},
		{"../hdf5/testdata/userblock.h5", ""},
		{"testdata/lambda_tfkeras.h5", RuleLambda},
		{"testdata/external_link.h5", RuleExternalLink},
		{"../hdf5/testdata/external_link_dense.h5", RuleExternalLink},
		{"../hdf5/testdata/external_storage.h5", RuleExternalStorage},
		{"../hdf5/testdata/virtual.h5", RuleVirtualDataset},
		{"../hdf5/testdata/soft_link.h5", RuleSoftLink},
		{"../hdf5/testdata/soft_link_vars.h5", RuleSoftLink},
		{"../hdf5/testdata/soft_link_layer_names.h5", RuleSoftLink},
		{"../hdf5/testdata/soft_link_model_weights.h5", RuleSoftLink},
		{"../hdf5/testdata/soft_link_nb_layers.h5", RuleSoftLink},
		{"../hdf5/testdata/soft_link_hard_model_weights.h5", RuleSoftLink},
		{"../hdf5/testdata/shape_bomb.h5", RuleShapeBomb},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeH5), tc.file, data)
			if err != nil {
				t.Fatalf("AnalyzeH5: %v", err)
			}
			got := medium(r)
			if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("want %q, got %v", tc.want, r.Findings)
			}
		})
	}
}

// TestSoftLinkOutsideKeras: a soft link in an HDF5 file with no Keras
// layout (no Keras root attribute, no model_weights or vars group) is
// reported low, and the same link named as a Keras 3 weights file stays
// medium.
func TestSoftLinkOutsideKeras(t *testing.T) {
	data, err := os.ReadFile("../hdf5/testdata/soft_link_data.h5")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]formats.Severity{"data.h5": formats.Low, "model.weights.h5": formats.Medium} {
		r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeH5), name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []formats.Finding
		for _, f := range r.Findings {
			if f.Rule == RuleSoftLink {
				got = append(got, f)
			}
		}
		if len(got) != 1 || got[0].Severity != want {
			t.Fatalf("%s: want one soft link at %v, got %v", name, want, r.Findings)
		}
	}
}

func TestLambdaNames(t *testing.T) {
	data, err := os.ReadFile("testdata/lambda_tfkeras.h5")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeH5), "m.h5", data)
	for _, f := range r.Findings {
		if f.Rule == RuleLambda {
			if !strings.Contains(f.Details["names"], "system") || f.Severity != formats.Critical {
				t.Fatalf("lambda finding lacks the names: %v", f)
			}
			return
		}
	}
	t.Fatalf("no lambda finding: %v", r.Findings)
}

// zipTree is a formats.Tree over a zip's members.
type zipTree map[string][]byte

func (z zipTree) Names() []string {
	var out []string
	for k := range z {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (z zipTree) Open(name string) (*formats.Input, error) {
	b, ok := z[name]
	if !ok {
		return nil, os.ErrNotExist
	}
	return formats.NewInput(name, bytes.NewReader(b), int64(len(b))), nil
}

func readZip(t testing.TB, p string) zipTree {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := zipTree{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

func TestArchive(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
		sev  formats.Severity
	}{
		{"testdata/benign.keras", "", 0},
		{"/work/shared/realworld/keras/keras-mlx-branch-sequential.keras", "", 0},
		{"/work/shared/realworld/keras/pre_pr22362_nested_container.keras", "", 0},
		{"testdata/lambda_keras3.keras", RuleLambda, formats.Critical},
		{"testdata/module_os.keras", RuleModule, formats.High},
		{"testdata/unsafe_deserialization.keras", RuleGadget, formats.Critical},
		{"testdata/get_file.keras", RuleGadget, formats.High},
		{"testdata/torch_wrapper.keras", RuleUnsafeClass, formats.High},
		{"testdata/tfsm.keras", RuleUnsafeClass, formats.High},
		{"testdata/extra_member.keras", RuleExtraMember, formats.Medium},
		{"testdata/sharded_escape.keras", RuleWeightMap, formats.High},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			if _, err := os.Stat(tc.file); err != nil {
				t.Skip("sample not on this machine")
			}
			tree := readZip(t, tc.file)
			if !(archive{}).Match(tree.Names()) {
				t.Fatal("layout does not match")
			}
			r, err := formatstest.RunTree(t, archive{}, tree)
			if err != nil {
				t.Fatal(err)
			}
			got := medium(r)
			if tc.want == "" {
				if len(got) > 0 {
					t.Fatalf("want nothing, got %v", r.Findings)
				}
				return
			}
			for _, f := range r.Findings {
				if f.Rule == tc.want && f.Severity == tc.sev && f.Member != "" {
					return
				}
			}
			t.Fatalf("want %s at %v, got %v", tc.want, tc.sev, r.Findings)
		})
	}
}

func TestTorchWrapperScanned(t *testing.T) {
	r, err := formatstest.RunTree(t, archive{}, readZip(t, "testdata/torch_wrapper.keras"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Members) != 1 || len(r.Members[0].Data) == 0 || r.Members[0].Data[0] != 0x80 {
		t.Fatalf("embedded pickle not handed to the engine: %+v", r.Members)
	}
}

func TestRealWorldH5(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/realworld/keras/*.h5")
	for _, k := range []string{"keras-mlx-branch-sequential.keras", "pre_pr22362_nested_container.keras"} {
		p := "/work/shared/realworld/keras/" + k
		if _, err := os.Stat(p); err == nil {
			files = append(files, p+"!model.weights.h5")
		}
	}
	if len(files) == 0 {
		t.Skip("no real-world samples on this machine")
	}
	for _, p := range files {
		var data []byte
		if base, member, ok := strings.Cut(p, "!"); ok {
			data = readZip(t, base)[member]
		} else {
			var err error
			if data, err = os.ReadFile(p); err != nil {
				t.Fatal(err)
			}
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeH5), p, data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if got := medium(r); len(got) > 0 {
			t.Errorf("%s: %v", p, r.Findings)
		}
	}
}

func TestSavedModelMetadata(t *testing.T) {
	lambda := `{"class_name": "Lambda", "config": {"name": "l", "function": ["` + lambdaB64(t) + `", null, null], "function_type": "lambda"}}`
	var obj []byte
	obj = protowire.AppendTag(obj, 5, protowire.BytesType)
	obj = protowire.AppendString(obj, lambda)
	var meta []byte
	meta = protowire.AppendTag(meta, 1, protowire.BytesType)
	meta = protowire.AppendBytes(meta, obj)
	tree := zipTree{"m/saved_model.pb": {8, 1}, "m/keras_metadata.pb": meta}
	if !(savedModelMeta{}).Match(tree.Names()) {
		t.Fatal("layout does not match")
	}
	r, err := formatstest.RunTree(t, savedModelMeta{}, tree)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.Rules(), RuleLambda) || r.Findings[0].Member != "m/keras_metadata.pb" {
		t.Fatalf("want a located lambda finding, got %v", r.Findings)
	}
}

// lambdaB64 takes the bytecode of the Keras 3 sample's Lambda.
func lambdaB64(t *testing.T) string {
	cfg := string(readZip(t, "testdata/lambda_keras3.keras")["config.json"])
	i := strings.Index(cfg, `"code": "`)
	if i < 0 {
		t.Fatal("no code in sample")
	}
	rest := cfg[i+len(`"code": "`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestNotKeras(t *testing.T) {
	tree := zipTree{"config.json": []byte(`{"model_type": "bert"}`), "metadata.json": []byte(`{"license": "mit"}`),
		"model.weights.h5": nil, "README.md": []byte("hi")}
	if (archive{}).Match([]string{"config.json", "metadata.json", "README.md"}) {
		t.Fatal("matched a tree without weights")
	}
	r := formatstest.NewRecorder()
	if err := (archive{}).AnalyzeTree(context.Background(), tree, r); err != nil || len(r.Findings) > 0 {
		t.Fatalf("want nothing, got %v, %v", r.Findings, err)
	}
}

func TestConfigRules(t *testing.T) {
	for _, tc := range []struct {
		name, config, want string
	}{
		{"invalid json", `{"class_name": `, RuleConfigInvalid},
		{"invalid utf8", "{\"a\": \"\xff\"}", RuleConfigInvalid},
		{"custom object", `{"module": null, "class_name": "Mine", "registered_name": "mypkg>Mine", "config": {}}`, RuleCustomObject},
		{"builtins function", `{"module": "builtins", "class_name": "function", "config": "eval"}`, RuleModule},
		{"project class", `{"module": "my_layers.blocks", "class_name": "TransformerBlock", "registered_name": "TransformerBlock", "config": {}}`, RuleCustomObject},
		{"project function", `{"module": "my_layers", "class_name": "function", "config": "helper"}`, RuleModule},
		{"known library class", `{"module": "numpy", "class_name": "Thing", "config": {}}`, RuleModule},
		{"main module class", `{"module": "__main__", "class_name": "Block", "config": {}}`, RuleModule},
		{"project dunder class", `{"module": "my_layers", "class_name": "__class__", "config": {}}`, RuleModule},
		{"builtins tuple", `{"module": "builtins", "class_name": "tuple", "config": [1, 2]}`, ""},
		{"builtins Keras loss", `{"module": "builtins", "class_name": "function", "config": "binary_crossentropy", "registered_name": "function"}`, ""},
		{"builtins custom metric", `{"module": "builtins", "class_name": "function", "config": "f1_metric", "registered_name": "function"}`, ""},
		{"builtins registered name", `{"module": "builtins", "class_name": "function", "config": "binary_crossentropy", "registered_name": "exec"}`, RuleModule},
		{"builtins qualified name", `{"module": "builtins", "class_name": "function", "config": "object.__subclasses__"}`, RuleModule},
		{"builtins dunder", `{"module": "builtins", "class_name": "function", "config": "__import__"}`, RuleModule},
		{"builtins class", `{"module": "builtins", "class_name": "object", "config": {}}`, RuleModule},
		{"builtins IPython adds", `{"module": "builtins", "class_name": "function", "config": "get_ipython"}`, RuleModule},
		{"builtins Spyder adds", `{"module": "builtins", "class_name": "runfile", "config": {}}`, RuleModule},
		{"lambda builtins eval", `{"class_name": "Lambda", "config": {"function": "eval", "function_type": "function", "module": "builtins"}}`, RuleModule},
		{"builtins duplicate config key", `{"module": "builtins", "class_name": "function", "config": "binary_crossentropy", "config": "eval"}`, RuleModule},
		{"keras function", `{"module": "keras.activations", "class_name": "function", "config": "relu"}`, ""},
		{"lambda named function", `{"class_name": "Lambda", "config": {"function": "system", "function_type": "function", "module": "os"}}`, RuleModule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			c := &Checker{Report: func(f formats.Finding) { got = append(got, f.Rule) }}
			_ = c.CheckJSON([]byte(tc.config), "config")
			if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("want %q, got %v", tc.want, got)
			}
		})
	}
}

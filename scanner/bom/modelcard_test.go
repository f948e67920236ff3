package bom

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats/tensorflow"
	"github.com/modelgate/modelgate/internal/pythontest"
	"github.com/modelgate/modelgate/scanner"
)

// realworldFacts are the ../shared/realworld folders, and the facts each
// model's BOM must carry.
var realworldFacts = map[string]func(f *facts) bool{
	"pytorch":     func(f *facts) bool { return f.Tensors > 0 && f.Params > 0 && len(f.Dtypes) > 0 },
	"safetensors": func(f *facts) bool { return f.Tensors > 0 && f.Params > 0 && len(f.Dtypes) > 0 },
	"onnx":        func(f *facts) bool { return len(f.Opsets) > 0 && len(f.Outputs) > 0 },
	"gguf":        func(f *facts) bool { return f.Family != "" && f.ContextLength > 0 },
	"tflite":      func(f *facts) bool { return f.Operators > 0 && len(f.Inputs) > 0 && len(f.Outputs) > 0 },
	// A subclassed model's config lists no layers; the shape it was built
	// with is its input.
	"keras":         func(f *facts) bool { return f.Architecture != "" && (f.Layers > 0 || len(f.Inputs) > 0) },
	"tf_savedmodel": func(f *facts) bool { return f.Operators > 0 && len(f.Inputs) > 0 && len(f.Outputs) > 0 },
	"tf_checkpoint": func(f *facts) bool { return f.Tensors > 0 && f.Params > 0 },
	"torchscript":   func(f *facts) bool { return f.Architecture != "" && f.Params > 0 && len(f.Inputs) > 0 },
	"numpy":         func(f *facts) bool { return f.Tensors > 0 && len(f.Arrays) == f.Tensors && len(f.Dtypes) > 0 },
	// A pre-0.10 dump names the companion files its arrays are in; the
	// companions are .npy files with facts of their own.
	"joblib": func(f *facts) bool { return len(f.Arrays) > 0 },
	"ggml":   func(f *facts) bool { return f.Family != "" && len(f.HParams) > 0 },
}

// model is one real model: a file, or the directory of a TensorFlow
// SavedModel or checkpoint.
type model struct{ path, folder string }

func realworldRoot(t *testing.T) string {
	root := filepath.Join("..", "..", "..", "shared", "realworld")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/realworld not present")
	}
	return root
}

// realModels lists every model of ../shared/realworld: each file of a
// format folder, and each TensorFlow model directory with its saved_model.pb.
// The files inside a TensorFlow directory that are not a model on their
// own (variables and checkpoint shards, indexes, the checkpoint state
// file, assets, the fingerprint) are companions (see realCompanions).
func realModels(t *testing.T) []model {
	root := realworldRoot(t)
	var out []model
	for folder := range realworldFacts {
		if strings.HasPrefix(folder, "tf_") {
			dirs, err := os.ReadDir(filepath.Join(root, folder))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range dirs {
				dir := filepath.Join(root, folder, d.Name())
				out = append(out, model{dir, folder})
				if _, err := os.Stat(filepath.Join(dir, "saved_model.pb")); err == nil {
					out = append(out, model{filepath.Join(dir, "saved_model.pb"), folder})
				}
			}
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, folder), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, model{p, folder})
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(out, func(a, b model) int { return strings.Compare(a.path, b.path) })
	return append(out, model{filepath.Join("testdata", "tiny_llama.gguf"), "gguf"})
}

// realCompanions are the files of the TensorFlow model directories that
// hold part of a model: variables and checkpoint shards and indexes and
// the checkpoint state file.
func realCompanions(t *testing.T) []string {
	root := realworldRoot(t)
	var out []string
	for _, folder := range []string{"tf_checkpoint", "tf_savedmodel"} {
		err := filepath.WalkDir(filepath.Join(root, folder), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if b := d.Name(); b == "checkpoint" || strings.HasPrefix(b, "ckpt.") || strings.HasPrefix(b, "variables.") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) == 0 {
		t.Fatal("no TensorFlow companion files found")
	}
	return out
}

func factsOf(t *testing.T, p string) (*facts, *scanner.Report) {
	t.Helper()
	rep := scan(t, p)
	if rep.Summary.Verdict != "pass" {
		t.Fatalf("%s: verdict %s", p, rep.Summary.Verdict)
	}
	f, err := readFacts(context.Background(), p, rep)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return f, rep
}

// factProps are the model component's properties that state facts.
var factProps = []string{"modelgate:parameters", "modelgate:dtypes", "modelgate:quantization", "modelgate:tensors",
	"modelgate:layers", "modelgate:operators", "modelgate:context-length", "modelgate:opsets", "modelgate:hparams",
	"modelgate:array", "modelgate:class"}

// cardOf reads what an encoded BOM says the model is: its card's model
// parameters and its fact properties.
func cardOf(t *testing.T, data []byte) (params map[string]any, props []string) {
	t.Helper()
	var b struct {
		Metadata struct {
			Component struct {
				ModelCard struct {
					ModelParameters map[string]any `json:"modelParameters"`
				} `json:"modelCard"`
				Properties []struct{ Name, Value string } `json:"properties"`
			} `json:"component"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Metadata.Component.Properties {
		if slices.Contains(factProps, p.Name) {
			props = append(props, p.Name+"="+p.Value)
		}
	}
	return b.Metadata.Component.ModelCard.ModelParameters, props
}

// TestRealWorldModelCards: every real model's BOM says what the model is,
// with its format's facts, and still validates.
func TestRealWorldModelCards(t *testing.T) {
	s := schema(t)
	for _, m := range realModels(t) {
		f, rep := factsOf(t, m.path)
		data := encode(t, rep, Options{Root: m.path}, "json")
		validate(t, s, data)
		if !realworldFacts[m.folder](f) {
			t.Errorf("%s: model card lacks its format's facts: %+v", m.path, f)
		}
		if params, props := cardOf(t, data); len(params) == 0 && len(props) == 0 {
			t.Errorf("%s: the BOM states no fact of the model", m.path)
		}
	}
}

// TestRealWorldCompanions: a TensorFlow shard, index or checkpoint state
// file scanned alone gets a valid BOM with no model facts. Alone it has no
// verdict (a shard or index without the rest of its checkpoint is
// inconclusive), or, for the state file, no fact of the model to state (it
// names a checkpoint prefix). Facts come only from files the scan judged,
// so the sibling files that do hold them are not read.
func TestRealWorldCompanions(t *testing.T) {
	s := schema(t)
	for _, p := range realCompanions(t) {
		rep := scan(t, p)
		data := encode(t, rep, Options{Root: p}, "json")
		validate(t, s, data)
		if params, props := cardOf(t, data); len(params) > 0 || len(props) > 0 {
			t.Errorf("%s scanned alone states facts: %v %v", p, params, props)
		}
	}
}

// TestParameterCounts checks the parameter and tensor counts of every real
// model against the format's own library, or a reader written from its
// specification where Debian has none (testdata/reference_counts.py).
func TestParameterCounts(t *testing.T) {
	py := pythontest.Require(t, "torch", "onnx", "numpy", "joblib")
	// Debian has no TensorFlow or TFLite runtime to count with.
	var files []string
	for _, m := range realModels(t) {
		switch m.folder {
		case "pytorch", "safetensors", "onnx", "gguf", "numpy", "ggml":
			files = append(files, m.path)
		case "joblib":
			// A pre-0.10 dump's arrays are its companion .npy files,
			// each counted on its own.
			if !strings.Contains(filepath.Base(m.path), "0.9.2") || strings.HasSuffix(m.path, ".npy") {
				files = append(files, m.path)
			}
		}
	}
	script, err := filepath.Abs(filepath.Join("testdata", "reference_counts.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, append([]string{script}, files...)...)
	cmd.Env = pythontest.Env(t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference counts: %v", err)
	}
	var want map[string][2]uint64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		f, _ := factsOf(t, p)
		if got := [2]uint64{f.Params, uint64(f.Tensors)}; got != want[p] {
			t.Errorf("%s: parameters, tensors %v; the library says %v", p, got, want[p])
		}
	}
	// Counted by hand from make_gguf.py: 256*4 + 4.
	if w := want[filepath.Join("testdata", "tiny_llama.gguf")]; w != [2]uint64{1028, 2} {
		t.Errorf("tiny_llama.gguf reference %v, want [1028 2]", w)
	}
}

// TestModelCardFields pins what a few real models' cards say.
func TestModelCardFields(t *testing.T) {
	root := realworldRoot(t)
	for _, tc := range []struct {
		path string
		want func(f *facts) []string
		is   []string
	}{
		{"onnx/onnx-backend-light/light_resnet50.onnx", func(f *facts) []string { return append(f.Inputs, f.Outputs...) },
			[]string{"gpu_0/data_0: float32[1,3,224,224]", "gpu_0/softmax_1: float32[1,1000]"}},
		{"onnx/silero/silero_vad_16k_op15.onnx", func(f *facts) []string { return f.Inputs },
			[]string{"input: float32[batch,sequence]", "state: float32[2,batch,128]", "sr: int64[]"}},
		{"tflite/person_detect.tflite", func(f *facts) []string { return append(f.Inputs, f.Outputs...) },
			[]string{"input", "MobilenetV1/Predictions/Reshape_1"}},
		{"gguf/ggml-vocab-phi-3.gguf", func(f *facts) []string { return []string{f.Family} }, []string{"phi3"}},
		{"keras/keras-mlx-branch-sequential.keras", func(f *facts) []string { return []string{f.Architecture, strconv.Itoa(f.Layers)} },
			[]string{"Sequential", "3"}},
		{"pytorch/candle/test_with_key.pt", func(f *facts) []string { return f.Dtypes }, []string{"int64"}},
	} {
		f, _ := factsOf(t, filepath.Join(root, tc.path))
		if got := tc.want(f); !slices.Equal(got, tc.is) {
			t.Errorf("%s: %q, want %q", tc.path, got, tc.is)
		}
	}
}

func TestGGUFCard(t *testing.T) {
	f, _ := factsOf(t, filepath.Join("testdata", "tiny_llama.gguf"))
	got := []string{f.Family, strconv.FormatUint(f.ContextLength, 10), f.Quantization, strings.Join(f.Dtypes, ",")}
	if want := []string{"llama", "2048", "MOSTLY_Q4_K_M", "F32,Q4_K"}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestTorchScriptCard: a torch.jit.save archive's card names its module
// and forward signature, beside the tensor facts.
func TestTorchScriptCard(t *testing.T) {
	p := filepath.Join("..", "..", "formats", "pytorch", "testdata", "torchscript", "benign_script.pt")
	f, rep := factsOf(t, p)
	got := []string{f.Architecture, strings.Join(f.Inputs, ";"), strings.Join(f.Outputs, ";"), strconv.FormatUint(f.Params, 10)}
	if want := []string{"Flow", "x: Tensor;tag: str", "Tensor", "20"}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
	validate(t, schema(t), encode(t, rep, Options{Root: p}, "json"))
}

// TestJoblibCard: a joblib dump of an estimator names its class as the
// architecture and lists the arrays its wrappers declare.
func TestJoblibCard(t *testing.T) {
	p := filepath.Join("..", "..", "formats", "pickle", "testdata", "joblib_estimator.pkl")
	f, rep := factsOf(t, p)
	data := encode(t, rep, Options{Root: p}, "json")
	validate(t, schema(t), data)
	params, props := cardOf(t, data)
	if params["modelArchitecture"] != "sklearn.linear_model._logistic.LogisticRegression" {
		t.Errorf("card %v", params)
	}
	want := []string{"modelgate:array=array 0: i8[2]", "modelgate:array=array 1: i4[1]", "modelgate:array=array 2: f8[1,2]",
		"modelgate:array=array 3: f8[1]", "modelgate:class=sklearn.linear_model._logistic.LogisticRegression",
		"modelgate:dtypes=f8,i4,i8", "modelgate:parameters=6", "modelgate:tensors=4"}
	if !slices.Equal(props, want) {
		t.Errorf("properties %q, want %q", props, want)
	}
	if f.Params != 6 {
		t.Errorf("parameters %d", f.Params)
	}
}

// TestSavedModelCard: the serving signature is the card's inputs and
// outputs, and a classify or regress method its task; without one, every
// signature's but TensorFlow's init op.
func TestSavedModelCard(t *testing.T) {
	sig := func(method string, in, out string) tensorflow.Signature {
		return tensorflow.Signature{Method: method, Inputs: []string{in}, Outputs: []string{out}}
	}
	for _, tc := range []struct {
		name string
		sigs map[string]tensorflow.Signature
		want []string
	}{
		{"serving", map[string]tensorflow.Signature{
			"serving_default": sig("tensorflow/serving/regress", "x: float32[-1,1]", "y: float32[-1,1]"),
			"other":           sig("tensorflow/serving/predict", "z: int64[]", "w: int64[]"),
		}, []string{"Sequential", "regression", "x: float32[-1,1]", "y: float32[-1,1]"}},
		{"no serving", map[string]tensorflow.Signature{
			"b":                     sig("tensorflow/serving/classify", "b: string[?]", "s: float32[-1]"),
			"a":                     sig("tensorflow/serving/predict", "a: float32[2]", "o: float32[2]"),
			"__saved_model_init_op": {Outputs: []string{"__saved_model_init_op: [?]"}},
		}, []string{"Sequential", "", "a: float32[2];b: string[?]", "o: float32[2];s: float32[-1]"}},
	} {
		f := &facts{}
		f.savedModelCard(&tensorflow.Graph{Class: "Sequential", Signatures: tc.sigs})
		if got := []string{f.Architecture, f.Task, strings.Join(f.Inputs, ";"), strings.Join(f.Outputs, ";")}; !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

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

	"github.com/modelgate/modelgate/internal/pythontest"
	"github.com/modelgate/modelgate/scanner"
)

// realworldFacts are the ../shared/realworld folders whose models' headers
// say what the models are, and the facts each model's BOM must carry.
var realworldFacts = map[string]func(f *facts) bool{
	"pytorch":       func(f *facts) bool { return f.Tensors > 0 && f.Params > 0 && len(f.Dtypes) > 0 },
	"safetensors":   func(f *facts) bool { return f.Tensors > 0 && f.Params > 0 && len(f.Dtypes) > 0 },
	"onnx":          func(f *facts) bool { return len(f.Opsets) > 0 && len(f.Outputs) > 0 },
	"gguf":          func(f *facts) bool { return f.Family != "" && f.ContextLength > 0 },
	"tflite":        func(f *facts) bool { return f.Operators > 0 && len(f.Inputs) > 0 && len(f.Outputs) > 0 },
	"keras":         func(f *facts) bool { return f.Architecture != "" && f.Layers > 0 },
	"tf_savedmodel": func(f *facts) bool { return f.Operators > 0 && f.Params > 0 && len(f.Dtypes) > 0 },
	"tf_checkpoint": func(f *facts) bool { return f.Tensors > 0 && f.Params > 0 },
}

// model is one real model: a file, or the directory of a TensorFlow
// SavedModel or checkpoint.
type model struct{ path, folder string }

func realModels(t *testing.T) []model {
	root := filepath.Join("..", "..", "..", "shared", "realworld")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/realworld not present")
	}
	var out []model
	for folder := range realworldFacts {
		if strings.HasPrefix(folder, "tf_") {
			dirs, err := os.ReadDir(filepath.Join(root, folder))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range dirs {
				out = append(out, model{filepath.Join(root, folder, d.Name()), folder})
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
	return append(out, model{filepath.Join("testdata", "tiny_llama.gguf"), "gguf"})
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

// TestRealWorldModelCards: every real model's BOM says what the model is,
// and still validates.
func TestRealWorldModelCards(t *testing.T) {
	s := schema(t)
	for _, m := range realModels(t) {
		f, rep := factsOf(t, m.path)
		validate(t, s, encode(t, rep, Options{Root: m.path}, "json"))
		clean := true
		for _, fr := range rep.Files {
			clean = clean && (fr.Outcome == scanner.Clean || fr.Outcome == scanner.Skipped)
		}
		if !clean {
			// Facts are read from clean files only.
			t.Logf("%s: not every file is clean; no facts expected", m.path)
			continue
		}
		if !realworldFacts[m.folder](f) {
			t.Errorf("%s: model card lacks its format's facts: %+v", m.path, f)
		}
	}
}

// TestParameterCounts checks the parameter and tensor counts of every real
// model against the format's own library (testdata/reference_counts.py).
func TestParameterCounts(t *testing.T) {
	py := pythontest.Require(t, "torch", "onnx")
	// Debian has no TensorFlow or TFLite runtime to count with.
	var files []string
	for _, m := range realModels(t) {
		switch m.folder {
		case "pytorch", "safetensors", "onnx", "gguf":
			files = append(files, m.path)
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
	root := filepath.Join("..", "..", "..", "shared", "realworld")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/realworld not present")
	}
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

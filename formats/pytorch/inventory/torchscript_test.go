package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/pythontest"
)

func scriptOf(t *testing.T, p string) (*Script, error) {
	t.Helper()
	data := readFile(t, p)
	return TorchScript(context.Background(), bytes.NewReader(data), int64(len(data)))
}

var tsDir = filepath.Join("..", "testdata", "torchscript")

func TestTorchScript(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"benign_script.pt", "Flow(x: Tensor, tag: str) -> Tensor"},
		{"benign_trace.pt", "Inner(x: Tensor) -> Tensor"},
		{"benign_extra.pt", "Inner(x: Tensor) -> Tensor"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s, err := scriptOf(t, filepath.Join(tsDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Class + "(" + strings.Join(s.Inputs, ", ") + ") -> " + strings.Join(s.Outputs, ", "); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// A torch.save checkpoint is no TorchScript module.
	if _, err := scriptOf(t, filepath.Join("testdata", "small_zip.pt")); err == nil {
		t.Error("a state_dict read as a TorchScript module")
	}
}

func TestForwardSignature(t *testing.T) {
	src := "class A(Module):\n  def forward(self: __torch__.A,\n    x: Dict[str, Tensor],\n    y: Tuple[int, int]=(1, 2),\n    s: str=\"a,b)\") -> Tuple[Tensor, Tensor]:\n    return x\nclass B(Module):\n  def forward(self, z: Tensor) -> Tensor:\n    return z\n"
	for _, tc := range []struct{ class, want string }{
		{"A", "x: Dict[str, Tensor]|y: Tuple[int, int]|s: str -> Tuple[Tensor, Tensor]"},
		{"B", "z: Tensor -> Tensor"},
		{"C", " -> "},
	} {
		in, out := forwardSignature([]byte(src), tc.class)
		if got := strings.Join(in, "|") + " -> " + strings.Join(out, ","); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.class, got, tc.want)
		}
	}
}

// TestTorchScriptMatchesTorch checks the class and argument names against
// what torch.jit.load reports of the same archives.
func TestTorchScriptMatchesTorch(t *testing.T) {
	pythontest.Require(t, "torch")
	files, _ := filepath.Glob(filepath.Join(tsDir, "benign_*.pt"))
	const script = `
import json, sys, torch
res = {}
for p in sys.argv[1:]:
    m = torch.jit.load(p)
    s = m.forward.schema
    res[p] = [m.original_name, [a.name for a in s.arguments[1:]], len(s.returns)]
print(json.dumps(res))
`
	var want map[string][]json.RawMessage
	torchSays(t, script, files, &want)
	for _, p := range files {
		s, err := scriptOf(t, p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var names []string
		for _, in := range s.Inputs {
			n, _, _ := strings.Cut(in, ":")
			names = append(names, n)
		}
		if names == nil {
			names = []string{}
		}
		got, _ := json.Marshal([]any{lastSegment(s.Class), names, len(s.Outputs)})
		w, _ := json.Marshal(want[p])
		if string(got) != string(w) {
			t.Errorf("%s: got %s, torch says %s", p, got, w)
		}
	}
}

func lastSegment(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }

func FuzzForwardSignature(f *testing.F) {
	data, err := os.ReadFile(filepath.Join(tsDir, "benign_script.pt"))
	if err == nil {
		f.Add(data)
	}
	f.Add([]byte("class A(Module):\n  def forward(self, x: Tensor) -> Tensor:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		forwardSignature(b, "A")
		TorchScript(context.Background(), bytes.NewReader(b), int64(len(b)))
	})
}

// TestArchiveOneRead checks that an archive opened once gives the same
// TorchScript facts after its inventory read data.pkl as TorchScript
// reading the file alone.
func TestArchiveOneRead(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(tsDir, "*.pt*"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join("testdata", "small_zip.pt"), filepath.Join("testdata", "shared_view.pt"))
	ctx := context.Background()
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data := readFile(t, p)
			alone, errAlone := TorchScript(ctx, bytes.NewReader(data), int64(len(data)))
			a, err := OpenZip(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = a.Inventory(ctx)
			shared, errShared := a.TorchScript(ctx)
			if (errAlone == nil) != (errShared == nil) {
				t.Fatalf("alone: %v; after the inventory: %v", errAlone, errShared)
			}
			if j1, j2 := mustJSON(t, alone), mustJSON(t, shared); j1 != j2 {
				t.Errorf("alone %s, after the inventory %s", j1, j2)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package inventory

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/pythontest"
)

func open(t *testing.T, p string) (*Inventory, error) {
	t.Helper()
	return decode(readFile(t, p))
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// torchSays runs script with torch, the files as its arguments, and
// decodes the JSON it prints into want.
func torchSays(t *testing.T, script string, files []string, want any) {
	t.Helper()
	py := pythontest.Require(t, "torch")
	cmd := exec.Command(py, append([]string{"-c", script}, files...)...)
	cmd.Env = pythontest.Env(t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch: %v", err)
	}
	if err := json.Unmarshal(out, want); err != nil {
		t.Fatal(err)
	}
}

func decode(data []byte) (*Inventory, error) {
	r := bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte("PK")) {
		return Zip(context.Background(), r, int64(len(data)))
	}
	return Legacy(context.Background(), r, int64(len(data)))
}

func describe(inv *Inventory) string {
	var parts []string
	for _, t := range inv.Tensors {
		parts = append(parts, fmt.Sprintf("%s:%s%v", t.Name, t.Dtype, t.Shape))
	}
	return fmt.Sprintf("%d %s", inv.Params, strings.Join(parts, " "))
}

func TestInventory(t *testing.T) {
	const small = "41 0.weight:float32[4 3] 0.bias:float32[4] 1.weight:float32[4] 1.bias:float32[4] " +
		"1.running_mean:float32[4] 1.running_var:float32[4] 1.num_batches_tracked:int64[] 2.weight:float16[2 4]"
	for _, tc := range []struct{ file, want string }{
		{"small_zip.pt", small},
		{"small_legacy.pt", small},
		{"shared_view.pt", "12 a:int32[2 3] b.0:int32[6]"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			inv, err := open(t, filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(inv); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// rezip rewrites a zip checkpoint, replacing members by name.
func rezip(t *testing.T, src string, replace map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		data, ok := replace[f.Name]
		if !ok {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, _ = io.ReadAll(rc)
			rc.Close()
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRefused: what is not a plain checkpoint gives no inventory, and
// nothing named by the pickle is resolved to code.
func TestRefused(t *testing.T) {
	src := filepath.Join("testdata", "small_zip.pt")
	for _, tc := range []struct {
		name    string
		replace map[string][]byte
		want    string
	}{
		{"os.system", map[string][]byte{"small_zip/data.pkl": []byte("cos\nsystem\n(S'id'\ntR.")}, "not allowlisted"},
		{"unknown global", map[string][]byte{"small_zip/data.pkl": []byte("cfoo\nbar\n)R.")}, "not allowlisted"},
		{"storage short", map[string][]byte{"small_zip/data/0": make([]byte, 4)}, "member holds 4 bytes"},
		{"huge length", map[string][]byte{"small_zip/data.pkl": []byte("\x80\x04\x8e\x00\x00\x00\x00\x00\x01\x00\x00.")}, "run past the pickle"},
		{"huge frame", map[string][]byte{"small_zip/data.pkl": []byte("\x80\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00N.")}, "runs past the pickle"},
		{"truncated", map[string][]byte{"small_zip/data.pkl": []byte("\x80\x02}q\x00(X")}, "decode pickle"},
		{"no persistent load of other tags", map[string][]byte{"small_zip/data.pkl": []byte("(S'module'\ntQ.")}, "not a storage tuple"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(rezip(t, src, tc.replace))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// TestParamsMatchTorch checks the parameter and tensor counts of every real
// checkpoint against torch.load's (torch 1.13's weights_only loader
// lacks protocol 4's FRAME, so the files, all scanned clean, are loaded
// plainly in a subprocess).
func TestParamsMatchTorch(t *testing.T) {
	pythontest.Require(t, "torch")
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "realworld", "pytorch", "*", "*"))
	local, _ := filepath.Glob(filepath.Join("testdata", "*.pt"))
	files = append(files, local...)
	const script = `
import json, sys, torch
def walk(o, out, seen):
    if isinstance(o, torch.Tensor):
        if id(o) not in seen:
            seen.add(id(o)); out.append(o)
    elif isinstance(o, dict):
        for v in o.values(): walk(v, out, seen)
    elif isinstance(o, (list, tuple)):
        for v in o: walk(v, out, seen)
res = {}
for p in sys.argv[1:]:
    ts = []
    walk(torch.load(p, map_location="cpu"), ts, set())
    res[p] = [sum(t.numel() for t in ts), len(ts)]
print(json.dumps(res))
`
	var want map[string][2]uint64
	torchSays(t, script, files, &want)
	for _, p := range files {
		inv, err := open(t, p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := [2]uint64{inv.Params, uint64(len(inv.Tensors))}; got != want[p] {
			t.Errorf("%s: params, tensors %v; torch %v", p, got, want[p])
		}
	}
}

func FuzzInventory(f *testing.F) {
	for _, name := range []string{"small_zip.pt", "small_legacy.pt", "shared_view.pt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := decode(data)
		if err == nil && len(inv.Tensors) > MaxTensors {
			t.Fatalf("%d tensors", len(inv.Tensors))
		}
	})
}

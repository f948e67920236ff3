package pytorch

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// memTree is an in-memory formats.Tree, listing names in insertion order.
type memTree struct {
	names []string
	data  map[string][]byte
}

func tree(kv ...string) *memTree {
	t := &memTree{data: map[string][]byte{}}
	for i := 0; i+1 < len(kv); i += 2 {
		t.names = append(t.names, kv[i])
		t.data[kv[i]] = []byte(kv[i+1])
	}
	return t
}

func (t *memTree) Names() []string { return t.names }
func (t *memTree) Open(name string) (*formats.Input, error) {
	b, ok := t.data[name]
	if !ok {
		return nil, os.ErrNotExist
	}
	return formats.NewInput(name, bytes.NewReader(b), int64(len(b))), nil
}

// dataPkl is a protocol-2 pickle whose only content is one FloatStorage
// persistent ID of numel elements under key "0".
func dataPkl(numel byte) string {
	return "\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK" +
		string([]byte{numel}) + "tQ."
}

func TestZipLayout(t *testing.T) {
	ok := func(extra ...string) *memTree {
		return tree(append([]string{"archive/data.pkl", dataPkl(4), "archive/data/0", string(make([]byte, 16)),
			"archive/version", "3\n", "archive/byteorder", "little"}, extra...)...)
	}
	tests := []struct {
		name string
		t    *memTree
		want []string
	}{
		{"clean checkpoint", ok(), nil},
		{"short storage", tree("archive/data.pkl", dataPkl(8), "archive/data/0", string(make([]byte, 16))), []string{RuleStorageSize}},
		{"missing storage", tree("archive/data.pkl", dataPkl(4)), []string{RuleMissingStorage}},
		{"unused storage", ok("archive/data/9", "x"), []string{RuleUnusedStorage}},
		{"member outside root", ok("other/evil.pkl", "x"), []string{RuleOutsideRoot}},
		{"second root", ok("b/data.pkl", dataPkl(4)), []string{RuleOutsideRoot, RuleLayout}},
		{"bad byteorder", tree("archive/data.pkl", dataPkl(4), "archive/data/0", string(make([]byte, 16)), "archive/byteorder", "middle"), []string{RuleRecord}},
		{"torchscript", ok("archive/constants.pkl", "\x80\x02).", "archive/code/__torch__/m.py",
			"def forward(self, x):\n  return torch.relu(x)\n"), []string{RuleTorchScript}},
		{"torchscript file write", ok("archive/code/__torch__/m.py",
			"def forward(self, x):\n  _0 = torch.ops.aten.save(x, \"/root/.bashrc\")\n  return x\n"), []string{RuleTorchScript, RuleTorchScriptOps}},
		{"torchscript custom op", ok("archive/code/__torch__/m.py",
			"def forward(self, x):\n  return ops.evil.run(x)\n", "archive/extra/notes", "hi"), []string{RuleTorchScript, RuleTorchScriptExtra, RuleTorchScriptCustom}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !(zipLayout{}).Match(tt.t.Names()) {
				t.Fatal("layout does not match")
			}
			r, err := formatstest.RunTree(t, zipLayout{}, tt.t)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Rules(), tt.want) {
				t.Errorf("rules %v, want %v (%v)", r.Rules(), tt.want, r.Findings)
			}
		})
	}
	if (zipLayout{}).Match([]string{"data.pkl", "x/y/data.pkl"}) {
		t.Error("matched a tree without <root>/data.pkl")
	}
}

func realworld(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", "pytorch", "gopickle", name))
	if err != nil {
		t.Skip("../shared/realworld not present")
	}
	return b
}

func TestLegacy(t *testing.T) {
	for _, name := range []string{"tensor_float16_proto2.pt", "tensor_float32_proto1.pt", "tensor_int64_proto4.pt"} {
		t.Run(name, func(t *testing.T) {
			orig := realworld(t, name)
			r, err := formatstest.Run(t, formats.AnalyzerFunc(analyzeLegacy), name, orig)
			if err != nil || len(r.Findings) != 0 {
				t.Fatalf("real file: err %v, findings %v", err, r.Findings)
			}
			// The last storage record's element count sits 8 bytes before
			// its data, which ends the file.
			r, _ = formatstest.Run(t, formats.AnalyzerFunc(analyzeLegacy), name, append(slices.Clone(orig), "\x80\x02cos\nsystem\n."...))
			if !slices.Equal(r.Rules(), []string{RuleTrailingData}) || len(r.Members) != 1 {
				t.Errorf("trailing data: %v, members %d", r.Rules(), len(r.Members))
			}
			r, err = formatstest.Run(t, formats.AnalyzerFunc(analyzeLegacy), name, orig[:len(orig)-1])
			if err == nil && !slices.Contains(r.Rules(), RuleStorageSize) {
				t.Errorf("truncated storage: no error and no finding")
			}
		})
	}
}

func TestLegacyElementCountMismatch(t *testing.T) {
	orig := realworld(t, "tensor_int64_proto4.pt")
	// Find the storage record: the 8-byte count right after the five
	// pickles, i.e. where the file's last (numel*8 + 8) bytes start.
	r, _ := formatstest.Run(t, formats.AnalyzerFunc(analyzeLegacy), "x.pt", orig)
	if len(r.Findings) != 0 {
		t.Fatal(r.Findings)
	}
	for n := int64(1); n < 1<<20; n++ {
		at := int64(len(orig)) - 8 - n*8
		if at < 0 {
			break
		}
		if int64(binary.LittleEndian.Uint64(orig[at:])) == n {
			bad := slices.Clone(orig)
			binary.LittleEndian.PutUint64(bad[at:], uint64(n+1))
			r, _ := formatstest.Run(t, formats.AnalyzerFunc(analyzeLegacy), "x.pt", bad)
			if !slices.Contains(r.Rules(), RuleStorageSize) {
				t.Errorf("count %d patched to %d: rules %v", n, n+1, r.Rules())
			}
			return
		}
	}
	t.Fatal("storage record not found")
}

func FuzzLegacy(f *testing.F) {
	for _, n := range []string{"tensor_float16_proto2.pt", "tensor_int64_proto4.pt"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", "pytorch", "gopickle", n)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := formatstest.NewRecorder()
		analyzeLegacy(context.Background(), formats.NewInput("f.pt", bytes.NewReader(b), int64(len(b))), r)
		for _, m := range r.Members {
			io.Copy(io.Discard, bytes.NewReader(m.Data))
		}
	})
}

package pytorch

import (
	"archive/zip"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// zipTree reads a zip file's members into a memTree.
func zipTree(t testing.TB, path string) *memTree {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	mt := &memTree{data: map[string][]byte{}}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		mt.names = append(mt.names, f.Name)
		mt.data[f.Name] = b
	}
	return mt
}

// TestTorchScriptSamples checks archives written by torch.jit.save and
// _save_for_lite_interpreter (PyTorch 1.13), and attackers' edits of them
// that torch.jit.load loads and runs (testdata/torchscript/ran.txt).
func TestTorchScriptSamples(t *testing.T) {
	files, err := filepath.Glob("testdata/torchscript/*.pt*")
	if err != nil || len(files) < 10 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rec, err := formatstest.RunTree(t, zipLayout{}, zipTree(t, f))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			top, _ := rec.Max()
			if strings.HasPrefix(filepath.Base(f), "benign_") {
				if top > formats.Info {
					t.Errorf("benign archive: %v", rec.Findings)
				}
				return
			}
			var high []string
			for _, fd := range rec.Findings {
				if fd.Rule == RuleTorchScriptOps && fd.Severity == formats.High {
					high = append(high, fd.Details["operator"])
				}
			}
			if len(high) == 0 {
				t.Errorf("no MG321 finding: %v", rec.Findings)
			}
			t.Logf("%v", high)
		})
	}
}

func TestTorchScriptSpellings(t *testing.T) {
	fwd := func(body string) string {
		return "class M(Module):\n  def forward(self: __torch__.M,\n    x: Tensor) -> Tensor:\n" + body + "    return x\n"
	}
	tests := []struct {
		name, src string
		want      []string // operators, or names for MG323
	}{
		{"plain", fwd("    torch.save(x, \"f\")\n"), []string{"aten::save"}},
		{"spaces", fwd("    torch . save(x, \"f\")\n"), []string{"aten::save"}},
		{"continuation", fwd("    torch.\\\n  save(x, \"f\")\n"), []string{"aten::save"}},
		{"in brackets across lines", fwd("    _0 = [torch.\n   save][0]\n"), []string{"aten::save"}},
		{"parentheses", fwd("    ((torch)).save(x, \"f\")\n"), []string{"aten::save"}},
		{"alias", fwd("    _0 = torch.save\n    _0(x, \"f\")\n"), []string{"aten::save", "aten::save"}},
		{"alias used before bound", fwd("    for i in range(2):\n      if i:\n        t(x, \"f\")\n      t = torch.save\n"), []string{"aten::save", "aten::save"}},
		{"alias chain", fwd("    a = torch\n    b = a\n    c = (b).autograd\n    c.from_file(\"f\")\n"), []string{"aten::from_file"}},
		{"ops namespace", fwd("    ops.aten.save(x, \"f\")\n"), []string{"aten::save"}},
		{"ops alias", fwd("    o = ops.aten\n    o.save(x, \"f\")\n"), []string{"aten::save"}},
		{"torch.ops", fwd("    torch.ops.aten.save(x, \"f\")\n"), []string{"aten::save"}},
		{"getattr", fwd("    getattr(torch, \"sa\" 've')(x, \"f\")\n"), []string{"aten::save"}},
		{"getattr octal", fwd("    getattr(getattr(ops, \"aten\"), \"\\163ave\")(x, \"f\")\n"), []string{"aten::save"}},
		{"custom op", fwd("    ops.evil.run(x)\n"), []string{"evil::run"}},
		{"vendor op", fwd("    _0 = ops.torchvision.nms(x, x, 0.5)\n"), []string{"torchvision::nms"}},
		{"custom class", "class M(Module):\n  p : __torch__.torch.classes.evil.Thing\n", []string{"class __torch__.torch.classes.evil.Thing"}},
		{"builtin class", "class M(Module):\n  p : __torch__.torch.classes.quantized.LinearPackedParamsBase\n", nil},
		{"open", fwd("    _0 = open(\"/etc/passwd\")\n"), []string{"open"}},
		{"dunder", fwd("    _0 = x.__class__\n"), []string{"__class__"}},
		{"computed getattr", fwd("    _0 = getattr(torch, name)\n"), []string{"getattr"}},
		{"method named open", "class M(Module):\n  def open(self: __torch__.M) -> int:\n    return 1\n", nil},
		{"in a string", fwd("    _0 = \"torch.save(x, 'f')\"\n"), nil},
		{"in a comment", fwd("    # torch.save(x, 'f')\n"), nil},
		{"type comment", fwd("    # type: torch.save\n"), []string{"aten::save"}},
		{"hash in a string", fwd("    _0 = \"#\"; torch.save(x, \"f\")\n"), []string{"aten::save"}},
		{"triple-quoted", fwd("    _0 = '''\ntorch.save'''\n    torch.relu(x)\n"), nil},
		{"getattr submodule", fwd("    _0 = getattr(self, \"0\")\n    _1 = (_0).forward(x, )\n"), nil},
		{"ordinary ops", fwd("    _0 = torch.linear(x, self.weight, None)\n    _1 = ops.prim.NumToTensor(1)\n    _2 = torch.autograd.grad([x], [x])\n"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uses, err := sourceUses([]byte(tt.src))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			var got []string
			for _, u := range uses {
				f := useFinding(u, []byte(tt.src))
				if v := f.Details["operator"]; v != "" {
					got = append(got, v)
				} else {
					got = append(got, f.Details["name"])
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			want := slices.Compact(slices.Sorted(slices.Values(tt.want)))
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestTorchScriptUnreadable: what torch's lexer rejects is never clean.
func TestTorchScriptUnreadable(t *testing.T) {
	for _, src := range []string{
		"_0 = \"unterminated\n",
		"_0 = '''never closed\n",
		"_0 = \"\\x73ave\"\n",
		"_0 = \"\\u0073\"\n",
		"_0 = \"\\9\"\n",
		"_0 = \"\\16\"\n",
		"x = 1 \\ 2\n",
		"x = torch.sav\xc3\xa9(1)\n",
		"x = (1\n",
		"x = 1)\n",
		"x = $\n",
	} {
		rec := formatstest.NewRecorder()
		err := checkSource("code/__torch__/m.py", []byte(src), rec, map[string]bool{})
		if !errors.Is(err, errTorchScript) {
			t.Errorf("%q: error %v, want a TorchScript read error", src, err)
		}
		if !slices.Contains(rec.Rules(), RuleTorchScriptForeign) {
			t.Errorf("%q: findings %v, want %s", src, rec.Findings, RuleTorchScriptForeign)
		}
	}
}

// TestBytecodeOperators: the lite interpreter runs bytecode.pkl's
// operator table, whatever code/ says.
func TestBytecodeOperators(t *testing.T) {
	mt := zipTree(t, "testdata/torchscript/malicious_lite_save.ptl")
	for n, b := range mt.data {
		if strings.HasSuffix(n, "code/__torch__.py") {
			mt.data[n] = []byte(strings.ReplaceAll(string(b), "torch.save(x, \"modelgate-marker\")", "torch.relu(x)"))
		}
	}
	rec, err := formatstest.RunTree(t, zipLayout{}, mt)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rec.Findings {
		found = found || f.Rule == RuleTorchScriptOps && strings.HasSuffix(f.Member, "bytecode.pkl") &&
			f.Details["operator"] == "aten::save" && strings.Contains(f.Message, "code/ does not show it")
	}
	if !found {
		t.Errorf("findings %v, want aten::save from bytecode.pkl", rec.Findings)
	}
}

func FuzzTorchScriptSource(f *testing.F) {
	files, _ := filepath.Glob("testdata/torchscript/benign_*.pt*")
	files = append(files, "testdata/torchscript/malicious_getattr_escape.pt")
	for _, p := range files {
		for n, b := range zipTree(f, p).data {
			if strings.HasSuffix(n, ".py") {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_ = checkSource("code/__torch__/m.py", src, formatstest.NewRecorder(), map[string]bool{})
	})
}

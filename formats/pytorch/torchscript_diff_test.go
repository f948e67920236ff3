package pytorch

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// diffScript edits a torch.jit.save archive's Linear.forward the way an
// attacker would, once per payload, then loads each edit with
// torch.jit.load and runs it in a fresh directory. It reports the edited
// source and whether the module loaded and wrote its marker.
const diffScript = `
import json, os, sys, tempfile, zipfile
import torch
req = json.load(sys.stdin)
base = req["base"]
with zipfile.ZipFile(base) as z:
    member = [n for n in z.namelist() if n.endswith("/linear.py")][0]
    text = z.read(member).decode()
anchor = "    return torch.linear("
out = []
for payload in req["payloads"]:
    src = text.replace(anchor, payload + anchor, 1)
    d = tempfile.mkdtemp()
    path = os.path.join(d, "m.pt")
    with zipfile.ZipFile(base) as zi, zipfile.ZipFile(path, "w") as zo:
        for it in zi.infolist():
            zo.writestr(it, src.encode() if it.filename == member else zi.read(it.filename))
    r = {"source": src, "loaded": False, "marker": False, "error": ""}
    cwd = os.getcwd()
    try:
        m = torch.jit.load(path)
        r["loaded"] = True
        os.chdir(d)
        m(torch.ones(1, 4))
    except Exception as e:
        r["error"] = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
    finally:
        os.chdir(cwd)
    r["marker"] = os.path.exists(os.path.join(d, "modelgate-marker"))
    out.append(r)
json.dump(out, sys.stdout)
`

// diffPayloads are spellings of a call to torch.save that a module could
// make, written and random, and benign code mentioning torch.save only in
// text.
func diffPayloads() (writes, benign []string) {
	call := func(callee string) string { return "    " + callee + "(input, \"modelgate-marker\")\n" }
	for _, c := range []string{
		"torch.save", "torch . save", "torch\t.\tsave", "torch\f.save", "torch\v.save", "torch\r.save",
		"torch.\\\nsave", "torch\\\n  .save", "(torch\n).save", "(torch).save", "((torch)).save", "(torch.save)",
		"torch.autograd.save", "torch.autograd.autograd.save", "ops.aten.save", "(ops).aten.save", "ops.aten. save",
		`getattr(torch, "save")`, `getattr(torch, 'sa' "ve")`, `getattr(torch, """save""")`, `getattr(torch, '\163ave')`,
		`getattr(torch, "s\141ve")`, `getattr(ops.aten, "save")`, `getattr(getattr(ops, 'aten'), 'save')`,
		`getattr(torch.autograd, "save")`, `getattr((torch), "save")`, "getattr(torch,\n  \"save\")",
	} {
		writes = append(writes, call(c))
	}
	for _, pre := range []string{
		"    _9 = torch\n", "    _9 = torch.save\n", "    _9 = ops\n", "    _9 = ops.aten\n",
		"    _9 = getattr(torch, 'save')\n", "    _7 = torch\n    _9 = _7\n", "    _9 = (torch)\n",
	} {
		callee := "_9"
		switch {
		case strings.HasSuffix(pre, "= ops\n"):
			callee = "_9.aten.save"
		case !strings.Contains(pre, "save"):
			callee = "_9.save"
		}
		writes = append(writes, pre+call(callee))
	}
	// Random blanks, comments and line joins between the tokens of a few
	// spellings; the generator is seeded so the test is repeatable.
	rng := rand.New(rand.NewPCG(20, 3))
	seps := []string{"", " ", "\t", "\f", "\\\n", " \\\n    ", "  "}
	inParens := []string{"", " ", "\n", "\n   ", " # c\n ", "\\\n"}
	for range 12 {
		sep := func(parens bool) string {
			if parens {
				return inParens[rng.IntN(len(inParens))]
			}
			return seps[rng.IntN(len(seps))]
		}
		var c string
		switch rng.IntN(3) {
		case 0:
			c = "torch" + sep(false) + "." + sep(false) + "save"
		case 1:
			c = "(" + sep(true) + "torch" + sep(true) + ")" + sep(false) + "." + sep(false) + "save"
		default:
			c = "getattr(" + sep(true) + "ops" + sep(true) + "." + sep(true) + "aten" + sep(true) + "," + sep(true) + `"sa"` + sep(true) + `'ve'` + sep(true) + ")"
		}
		writes = append(writes, call(c))
	}
	benign = []string{
		"    _9 = \"torch.save(input, 'modelgate-marker')\"\n",
		"    # torch.save(input, \"modelgate-marker\")\n",
		"    _9 = '''\n    torch.save(input, \"modelgate-marker\")\n    '''\n",
		"    _9 = \"#\"  # torch.save(input, \"modelgate-marker\")\n",
		"    _9 = torch.relu(input)  # torch . save\n",
		"    _9 = getattr(torch, \"relu\")(input)\n",
	}
	return writes, benign
}

// TestTorchScriptDifferential checks the reader against torch.jit.load
// itself: every edit that PyTorch loads and that writes its marker when
// run must be reported (MG321, or MG323 where the reader fails closed), and
// text that only mentions torch.save must not be.
func TestTorchScriptDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("runs PyTorch")
	}
	py := pythontest.Require(t, "torch")
	writes, benign := diffPayloads()
	base, err := filepath.Abs("testdata/torchscript/benign_extra.pt")
	if err != nil {
		t.Fatal(err)
	}
	req, err := json.Marshal(map[string]any{"base": base, "payloads": append(append([]string{}, writes...), benign...)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", diffScript)
	cmd.Env = pythontest.Env(t.TempDir())
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v: %s", err, stderr.String())
	}
	var results []struct {
		Source         string
		Loaded, Marker bool
		Error          string
	}
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(writes)+len(benign) {
		t.Fatalf("results: %v (%d of %d)", err, len(results), len(writes)+len(benign))
	}
	wrote := 0
	for i, r := range results {
		rec := formatstest.NewRecorder()
		readErr := checkSource("code/__torch__/torch/nn/modules/linear.py", []byte(r.Source), rec, map[string]bool{})
		reported, foreign := false, false
		for _, f := range rec.Findings {
			reported = reported || f.Rule == RuleTorchScriptOps && f.Severity == formats.High
			foreign = foreign || f.Rule == RuleTorchScriptForeign
		}
		switch {
		case i >= len(writes):
			if !r.Loaded || r.Marker || r.Error != "" {
				t.Errorf("benign payload %q: torch loaded=%v marker=%v error=%q", benign[i-len(writes)], r.Loaded, r.Marker, r.Error)
			}
			if reported || foreign || readErr != nil {
				t.Errorf("benign payload %q reported: %v %v", benign[i-len(writes)], rec.Findings, readErr)
			}
		case r.Marker:
			wrote++
			if !reported && !(foreign && readErr != nil) {
				t.Errorf("torch ran the write in %q; modelgate: %v %v", writes[i], rec.Findings, readErr)
			}
		case r.Loaded:
			t.Logf("loaded without writing: %q (%s)", writes[i], r.Error)
		}
	}
	if wrote < len(writes)/2 {
		t.Errorf("only %d of %d payloads wrote their marker: the harness is broken", wrote, len(writes))
	}
	t.Logf("%d payloads, %d written by torch, %d benign", len(writes), wrote, len(benign))
}

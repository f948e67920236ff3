package hfrepo_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/modelgate/modelgate/formats/hfrepo"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// TestScanDirectory runs the layout through the engine over a model
// directory on disk: findings must land in the results of the files they
// are about, and the verdict must fail.
func TestScanDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"config.json":            `{"architectures": ["XForCausalLM"], "auto_map": {"AutoModelForCausalLM": "modeling_x.XForCausalLM"}}`,
		"modeling_x.py":          "import torch\nimport subprocess\nsubprocess.run(['id'])\n",
		"tokenizer_config.json":  `{"chat_template": "{{ ().__class__.__mro__[1].__subclasses__() }}"}`,
		"model.safetensors":      "version https://git-lfs.github.com/spec/v1\noid sha256:" + strings.Repeat("ab", 32) + "\nsize 1000\n",
		"nemo/model_config.yaml": "encoder:\n  _target_: os.system\n",
		"README.md":              "# x\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := fetch.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: dir, Source: src}}, scanner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"config.json":            "MG801",
		"modeling_x.py":          "MG804",
		"tokenizer_config.json":  "MG806",
		"model.safetensors":      "MG812",
		"nemo/model_config.yaml": "MG810",
	}
	got := map[string][]string{}
	for _, f := range rep.Files {
		rel, err := filepath.Rel(dir, f.Path)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range f.Findings {
			got[filepath.ToSlash(rel)] = append(got[filepath.ToSlash(rel)], fd.Rule)
		}
		switch {
		case want[filepath.ToSlash(rel)] == "":
		case f.Outcome == scanner.Findings:
		case f.Outcome == scanner.Inconclusive && rel == "model.safetensors":
			// The engine cannot read a pointer as safetensors; the
			// layout's finding says why.
			t.Logf("%s: inconclusive (%s: %s) with %d findings", rel, f.Reason, f.Error, len(f.Findings))
		default:
			t.Errorf("%s: outcome %s, want findings", rel, f.Outcome)
		}
	}
	for file, rule := range want {
		found := false
		for _, r := range got[file] {
			found = found || r == rule
		}
		if !found {
			t.Errorf("%s: rules %v, want %s", file, got[file], rule)
		}
	}
	if rep.ExitCode() != scanner.ExitFindings {
		t.Errorf("exit code %d, want %d (summary %+v)", rep.ExitCode(), scanner.ExitFindings, rep.Summary)
	}
}

package scanner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// TestChatTemplateOutcomes checks, through the engine, that every place a
// consumer reads a chat template from is checked, that a clean one ends
// clean (a checked file is never skipped) and a payload in any of them
// fails the gate.
func TestChatTemplateOutcomes(t *testing.T) {
	const benign = `{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}`
	// namespace[...] with a computed key reaches namespace.__init__.__globals__.
	const payload = `{% set i = 'XXinitXX'|replace('X','_') %}{{ namespace[i] }}`
	jsonStr := func(s string) string {
		out := `"`
		for _, r := range s {
			switch r {
			case '"', '\\':
				out += `\` + string(r)
			case '\n':
				out += `\n`
			default:
				out += string(r)
			}
		}
		return out + `"`
	}
	files := func(tpl string) map[string]string {
		return map[string]string{
			"config.json":                         `{"model_type": "llama"}`,
			"modules.json":                        `[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]`,
			"tokenizer_config.json":               `{"chat_template": [{"name": "default", "template": ` + jsonStr(benign) + `}, {"name": "tool_use", "template": ` + jsonStr(tpl) + `}]}`,
			"chat_template.jinja":                 tpl,
			"chat_template.json":                  `{"chat_template": ` + jsonStr(tpl) + `}`,
			"additional_chat_templates/rag.jinja": tpl,
			"README.md":                           "# model\n",
		}
	}
	for _, tt := range []struct {
		name string
		tpl  string
		want Outcome
	}{{"benign", benign, Clean}, {"payload", payload, Findings}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range files(tt.tpl) {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			src, err := fetch.NewLocal(dir)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Scan(context.Background(), []Target{{Name: dir, Source: src}}, Options{FailOn: formats.Medium})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Outcome{}
			for _, f := range rep.Files {
				rel, _ := filepath.Rel(dir, f.Path)
				got[filepath.ToSlash(rel)] = f.Outcome
			}
			for _, name := range []string{"tokenizer_config.json", "chat_template.jinja", "chat_template.json", "additional_chat_templates/rag.jinja"} {
				if got[name] != tt.want {
					t.Errorf("%s: outcome %q, want %q", name, got[name], tt.want)
				}
			}
			if got["config.json"] != Clean || got["modules.json"] != Clean || got["README.md"] != Skipped {
				t.Errorf("config.json %q, modules.json %q (want clean), README.md %q (want skipped)", got["config.json"], got["modules.json"], got["README.md"])
			}
			wantExit := ExitClean
			if tt.want == Findings {
				wantExit = ExitFindings
			}
			if rep.ExitCode() != wantExit {
				t.Errorf("exit %d, want %d", rep.ExitCode(), wantExit)
			}
		})
	}
}

// TestTemplateCorpora scans, through the engine, every real chat template
// of formats/jinja/testdata/corpus as a chat_template.jinja (each must end
// clean) and every payload of testdata/malicious (each must fail the gate
// at high or above).
func TestTemplateCorpora(t *testing.T) {
	for _, tt := range []struct {
		glob   string
		benign bool
	}{{"../formats/jinja/testdata/corpus/*.jinja", true}, {"../formats/jinja/testdata/malicious/*.jinja", false}} {
		files, err := filepath.Glob(tt.glob)
		if err != nil || len(files) < 20 {
			t.Fatalf("%s: %d files, %v", tt.glob, len(files), err)
		}
		dir := t.TempDir()
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sub := filepath.Join(dir, filepath.Base(f))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sub, "chat_template.jinja"), src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		src, err := fetch.NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Scan(context.Background(), []Target{{Name: dir, Source: src}}, Options{FailOn: formats.Medium})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Files) != len(files) {
			t.Errorf("%d results for %d templates", len(rep.Files), len(files))
		}
		for _, r := range rep.Files {
			top, any := r.MaxSeverity()
			switch {
			case tt.benign && r.Outcome != Clean:
				t.Errorf("%s: outcome %s, findings %v", r.Path, r.Outcome, r.Findings)
			case !tt.benign && (!any || top < formats.High):
				t.Errorf("%s: outcome %s, max severity %v, want high or above", r.Path, r.Outcome, top)
			}
		}
	}
}

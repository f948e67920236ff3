package shipping

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type hook struct {
	ID                      string
	Name                    string
	Description             string
	Entry                   string
	Language                string
	Files                   string
	PassFilenames           *bool  `yaml:"pass_filenames"`
	RequireSerial           bool   `yaml:"require_serial"`
	MinimumPreCommitVersion string `yaml:"minimum_pre_commit_version"`
}

// TestPreCommitHooks checks .pre-commit-hooks.yaml and runs its entry the
// way pre-commit does: from the repository's root, with the matching
// staged file names appended as arguments.
func TestPreCommitHooks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	if len(hooks) != 1 {
		t.Fatalf("%d hooks, want 1", len(hooks))
	}
	h := hooks[0]
	if h.ID != "modelgate" || h.Name == "" || h.Language != "golang" {
		t.Errorf("hook id %q name %q language %q", h.ID, h.Name, h.Language)
	}
	if h.PassFilenames == nil || !*h.PassFilenames {
		t.Error("pass_filenames must be true: the hook scans the staged files")
	}
	entry := strings.Fields(h.Entry)
	if len(entry) < 2 || entry[0] != "modelgate" || entry[1] != "scan" {
		t.Fatalf("entry %q, want modelgate scan ...", h.Entry)
	}
	files, err := regexp.Compile(h.Files)
	if err != nil {
		t.Fatalf("files: %v", err)
	}
	for _, name := range []string{"model.pkl", "m/pytorch_model.bin", "x.PT", "w.safetensors", "a.gguf", "m.onnx", "e.joblib", "v.npy", "k.keras", "t.tar.gz", "p.pdparams", "c.ckpt"} {
		if !files.MatchString(name) {
			t.Errorf("files does not match %s", name)
		}
	}
	for _, name := range []string{"README.md", "config.json", "main.go", ".modelgate.yaml", "tokenizer.txt"} {
		if files.MatchString(name) {
			t.Errorf("files matches %s, which is no model", name)
		}
	}

	bin := modelgate(t)
	tests := []struct {
		name   string
		staged []string
		want   int
	}{
		{"benign", []string{"testdata/sample/model.pkl", "README.md"}, 0},
		{"malicious", []string{"testdata/sample/model.pkl", "testdata/sample/evil.pkl"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, f := range tc.staged {
				if files.MatchString(f) {
					args = append(args, f)
				}
			}
			args = append(append(entry[1:len(entry):len(entry)], "--no-cache"), args...)
			out, code := run(t, abs(t, "."), nil, bin, args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d:\n%s", code, tc.want, out)
			}
		})
	}
}

package globals

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestProjectModule: a module is the saving project's own only when it is
// a path of plain identifiers, no part a dunder, whose top-level package
// no known library provides.
func TestProjectModule(t *testing.T) {
	tests := []struct {
		module string
		want   bool
	}{
		{"mario_ppo", true},
		{"titanic_model.preprocessors", true},
		{"hw1", true},
		{"os", false},
		{"xmlrpc.client", false},
		{"copy_reg", false},      // Python 2, mapped by _compat_pickle
		{"sklearn.evil", false},  // pipreqs: import name of scikit-learn
		{"cv2", false},           // pipreqs: opencv-python
		{"fbprophet", false},     // fell out of the top lists
		{"google.cloud", false},  // a namespace many distributions share
		{"detectron2", false},    // git-only
		{"Click", false},         // case-insensitive
		{"__main__", false},      // the loading program
		{"__torch__.nn", false},  // TorchScript
		{"proj.__init__", false}, // dunder part
		{"proj..x", false},
		{"", false},
		{"modèle", false},
		{"1model", false},
	}
	for _, tt := range tests {
		if got := ProjectModule(tt.module); got != tt.want {
			t.Errorf("ProjectModule(%q) = %v, want %v", tt.module, got, tt.want)
		}
	}
}

// TestListedModulesAreKnown: every module a list names is a known library,
// so that a class a list leaves off is never the "project's own". It fails
// when a list gains a library the generated libraries.txt lacks: run
// make allowlist-source.
func TestListedModulesAreKnown(t *testing.T) {
	fields := map[string][]int{"allow.tsv": {0}, "deny.tsv": {0}, "compat.tsv": {1, 2}, "aliases.tsv": {0, 1}}
	ecos, err := filepath.Glob("ecosystems/*.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ecos {
		fields[e] = []int{0}
	}
	top := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)
	for name, idx := range fields {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			parts := strings.Split(line, "\t")
			for _, j := range idx {
				if j >= len(parts) {
					continue
				}
				if m := top.FindString(strings.TrimSpace(parts[j])); m != "" && !KnownLibrary(m) {
					t.Errorf("%s:%d: module %q is not in ecosystems/libraries.txt (run make allowlist-source)", name, i+1, m)
				}
			}
		}
	}
}

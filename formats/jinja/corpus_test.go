package jinja

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCorpusClean checks that every real chat template gathered in
// testdata/corpus (see MANIFEST.tsv and tools/jinjacorpus) raises nothing.
func TestCorpusClean(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.jinja")
	if err != nil || len(files) < 200 {
		t.Fatalf("corpus has %d templates, want at least 200: %v", len(files), err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if issues := Check(string(src)); len(issues) > 0 {
			t.Errorf("%s: %v", filepath.Base(f), issues)
		}
	}
}

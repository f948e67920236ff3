package scanner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// realworldClean lists the folders of ../shared/realworld (public models
// from real exporters) that must scan completely with nothing at medium or
// above: the false-alarm check.
var realworldClean = []string{"pytorch", "torchscript", "numpy", "joblib", "safetensors", "gguf",
	"onnx", "keras", "tf_savedmodel", "tf_checkpoint", "tflite"}

// TestRealWorldWholeTreePasses scans ../shared/realworld as one target,
// with its licenses and notes: every companion file is identified as
// inert, nothing is left unidentified, and the gate passes.
func TestRealWorldWholeTreePasses(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "realworld")
	src, err := fetch.NewLocal(root)
	if err != nil {
		t.Skip("../shared/realworld not present")
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: root, Source: src}}, scanner.Options{FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Outcome == scanner.Inconclusive || f.Outcome == scanner.Skipped && !strings.HasPrefix(f.Note, scanner.InertNote) {
			t.Errorf("%s: %s %q %q", f.Path, f.Outcome, f.Error, f.Note)
		}
	}
	if rep.ExitCode() != scanner.ExitClean {
		t.Errorf("exit %d", rep.ExitCode())
	}
}

func TestRealWorldModelsAreClean(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "realworld")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/realworld not present")
	}
	for _, dir := range realworldClean {
		t.Run(dir, func(t *testing.T) {
			p := filepath.Join(root, dir)
			src, err := fetch.NewLocal(p)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{FailOn: formats.Medium})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Files {
				if f.Outcome == scanner.Inconclusive {
					t.Errorf("%s: inconclusive: %s", f.Path, f.Error)
				}
				for _, x := range f.Findings {
					if x.Severity >= formats.Medium {
						t.Errorf("%s", x)
					}
				}
			}
			if rep.ExitCode() != scanner.ExitClean {
				t.Errorf("exit %d", rep.ExitCode())
			}
		})
	}
}

package scanner_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestSingleFileSiblings: an ONNX model scanned on its own, as users scan a
// file, has its external data checked where onnx.load reads it, beside the
// model on disk: present is clean, absent is low (nothing to misread, the
// model cannot load), a symlink or a file too short stays high.
func TestSingleFileSiblings(t *testing.T) {
	model, err := os.ReadFile("../formats/onnx/testdata/external_ok/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	weights, err := os.ReadFile("../formats/onnx/testdata/external_ok/weights.bin")
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		sibling func(dir string) error // makes weights.bin beside the model
		want    formats.Severity       // of MG612; 0: none
	}{
		{"present", func(d string) error { return os.WriteFile(filepath.Join(d, "weights.bin"), weights, 0o644) }, 0},
		{"absent", func(string) error { return nil }, formats.Low},
		{"symlink", func(d string) error { return os.Symlink(outside, filepath.Join(d, "weights.bin")) }, formats.High},
		{"short", func(d string) error { return os.WriteFile(filepath.Join(d, "weights.bin"), weights[:100], 0o644) }, formats.High},
		{"directory", func(d string) error { return os.Mkdir(filepath.Join(d, "weights.bin"), 0o755) }, formats.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "model.onnx")
			if err := os.WriteFile(p, model, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.sibling(dir); err != nil {
				t.Fatal(err)
			}
			rep := scanPath(t, p)
			if len(rep.Files) != 1 {
				t.Fatalf("%d results", len(rep.Files))
			}
			var got formats.Severity
			for _, f := range rep.Files[0].Findings {
				if f.Rule == "MG612" {
					got = max(got, f.Severity)
				}
			}
			if got != tc.want {
				t.Fatalf("MG612 at %v, want %v: %+v", got, tc.want, rep.Files[0].Findings)
			}
		})
	}
}

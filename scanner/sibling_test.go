package scanner_test

import (
	"bytes"
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
	// The same model whose location is weights\bin: onnx.load on POSIX
	// opens a file of that name, on Windows weights/bin.
	backslash := bytes.Replace(model, []byte("weights.bin"), []byte(`weights\bin`), 1)
	// A location in NFC; macOS opens the NFD name of the same text.
	accented := bytes.Replace(model, []byte("weights.bin"), []byte("w\u00e9igts.bin"), 1)
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
		model   []byte                 // nil: model.onnx as made
	}{
		{"present", func(d string) error { return os.WriteFile(filepath.Join(d, "weights.bin"), weights, 0o644) }, 0, nil},
		{"absent", func(string) error { return nil }, formats.Low, nil},
		{"symlink", func(d string) error { return os.Symlink(outside, filepath.Join(d, "weights.bin")) }, formats.High, nil},
		{"short", func(d string) error { return os.WriteFile(filepath.Join(d, "weights.bin"), weights[:100], 0o644) }, formats.High, nil},
		{"directory", func(d string) error { return os.Mkdir(filepath.Join(d, "weights.bin"), 0o755) }, formats.High, nil},
		{"backslash location, symlink of that name", func(d string) error { return os.Symlink(outside, filepath.Join(d, `weights\bin`)) }, formats.High, backslash},
		{"backslash location, symlink in a folder", func(d string) error {
			if err := os.Mkdir(filepath.Join(d, "weights"), 0o755); err != nil {
				return err
			}
			return os.Symlink(outside, filepath.Join(d, "weights", "bin"))
		}, formats.High, backslash},
		{"backslash location, regular file of that name", func(d string) error { return os.WriteFile(filepath.Join(d, `weights\bin`), weights, 0o644) }, 0, backslash},
		{"backslash location, absent", func(string) error { return nil }, formats.Low, backslash},
		// macOS and Windows open Weights.bin for weights.bin.
		{"symlink differing in case", func(d string) error { return os.Symlink(outside, filepath.Join(d, "Weights.BIN")) }, formats.High, nil},
		{"symlink with a trailing dot", func(d string) error { return os.Symlink(outside, filepath.Join(d, "weights.bin.")) }, formats.High, nil},
		{"symlink in another Unicode normalization", func(d string) error { return os.Symlink(outside, filepath.Join(d, "we\u0301igts.bin")) }, formats.High, accented},
		{"file differing in case", func(d string) error { return os.WriteFile(filepath.Join(d, "WEIGHTS.bin"), weights, 0o644) }, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "model.onnx")
			m := model
			if tc.model != nil {
				m = tc.model
			}
			if err := os.WriteFile(p, m, 0o644); err != nil {
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

// TestDirectorySiblings: in a local directory scan, external data the walk
// did not list (a .git folder is not walked) is checked on disk as a
// single file's sibling is: onnx.load reads it whatever the walk skipped.
func TestDirectorySiblings(t *testing.T) {
	model, err := os.ReadFile("../formats/onnx/testdata/external_ok/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	weights, err := os.ReadFile("../formats/onnx/testdata/external_ok/weights.bin")
	if err != nil {
		t.Fatal(err)
	}
	inGit := bytes.Replace(model, []byte("weights.bin"), []byte("w/.git/x.bn"), 1)
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		sibling func(path string) error // makes w/.git/x.bn
		want    formats.Severity
	}{
		{"symlink leaving the directory", func(p string) error { return os.Symlink(outside, p) }, formats.High},
		{"regular file", func(p string) error { return os.WriteFile(p, weights, 0o644) }, 0},
		{"absent", func(string) error { return nil }, formats.Low},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "model.onnx"), inGit, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "w", ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tc.sibling(filepath.Join(dir, "w", ".git", "x.bn")); err != nil {
				t.Fatal(err)
			}
			rep := scanPath(t, dir)
			var got formats.Severity
			for _, r := range rep.Files {
				for _, f := range r.Findings {
					if f.Rule == "MG612" {
						got = max(got, f.Severity)
					}
				}
			}
			if got != tc.want {
				t.Fatalf("MG612 at %v, want %v: %+v", got, tc.want, rep.Files)
			}
		})
	}
}

package scanner_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestProjectModuleBeside: a pickle naming a class of a module no known
// library provides (MG119) is low on its own, and medium when the module
// is there to import where the model is loaded from: a file, package,
// bytecode, extension module or symlink of that name in the pickle's
// folder, or at the root of the directory scanned.
func TestProjectModuleBeside(t *testing.T) {
	// pickle.dumps(evil.Net(), protocol=2) as CPython writes it.
	model := []byte("\x80\x02cevil.sub\nNet\nq\x00)\x81q\x01.")
	for _, tc := range []struct {
		name   string
		make   func(dir string) error
		target string // relative to dir; "" scans the model file
		want   formats.Severity
	}{
		{"nothing beside", func(string) error { return nil }, "", formats.Low},
		{"another module beside", touch("other.py"), "", formats.Low},
		{"the package's module", touch("evil.py"), "", formats.Medium},
		{"the package", touch("evil/__init__.py"), "", formats.Medium},
		{"the submodule in a namespace package", touch("evil/sub.py"), "", formats.Medium},
		{"sourceless bytecode", touch("evil.pyc"), "", formats.Medium},
		{"an extension module", touch("evil.so"), "", formats.Medium},
		{"a symlink", func(d string) error { return os.Symlink("/nonexistent", filepath.Join(d, "evil.py")) }, "", formats.Medium},
		{"in a directory scan, at the root", touch("evil.py"), ".", formats.Medium},
		{"in a directory scan, a tagged extension module", touch("evil.cpython-311-x86_64-linux-gnu.so"), ".", formats.Medium},
		// The path finder imports a package from an __init__ of any
		// suffix, extension modules too, and a file scanned on its own
		// is beside tagged extension modules the scan never listed.
		{"a tagged extension module beside", touch("evil.cpython-311-x86_64-linux-gnu.so"), "", formats.Medium},
		{"a package of an extension module", touch("evil/__init__.so"), "", formats.Medium},
		{"a package of a tagged extension module", touch("evil/__init__.cpython-311-x86_64-linux-gnu.so"), "", formats.Medium},
		{"in a directory scan, a package of a tagged extension module", touch("evil/__init__.abi3.so"), ".", formats.Medium},
		{"in a directory scan, a Windows package of a .pyw", touch("evil/__init__.pyw"), ".", formats.Medium},
		// A notebook in a/ that loads a/b/model.pkl imports from a/.
		{"in a directory scan, in a folder between the pickle's and the root", func(d string) error {
			if err := os.MkdirAll(filepath.Join(d, "a", "b"), 0o755); err != nil {
				return err
			}
			if err := os.Rename(filepath.Join(d, "model.pkl"), filepath.Join(d, "a", "b", "model.pkl")); err != nil {
				return err
			}
			return touch("a/evil.pyw")(d)
		}, ".", formats.Medium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "model.pkl")
			if err := os.WriteFile(p, model, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(dir); err != nil {
				t.Fatal(err)
			}
			target := p
			if tc.target != "" {
				target = filepath.Join(dir, tc.target)
			}
			rep := scanPath(t, target)
			var got formats.Severity
			found := false
			for _, r := range rep.Files {
				for _, f := range r.Findings {
					if f.Rule == "MG119" {
						found = true
						got = max(got, f.Severity)
					}
				}
			}
			if !found || got != tc.want {
				t.Fatalf("MG119 at %v (found %v), want %v: %+v", got, found, tc.want, rep.Files)
			}
		})
	}
}

func touch(name string) func(dir string) error {
	return func(dir string) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, nil, 0o644)
	}
}

// TestProjectModuleBesideContainer: torch.load opens a checkpoint's zip
// whole, so the pickle inside imports from the folder the .pt is loaded
// from, as a bare pickle does.
func TestProjectModuleBesideContainer(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"archive/data.pkl": "\x80\x02cevil\nNet\nq\x00)\x81q\x01.",
		"archive/version":  "3\n",
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "model.pt")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		file string
		want formats.Severity
	}{
		{"nothing beside", "", formats.Low},
		{"the module beside", "evil.py", formats.Medium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file != "" {
				if err := touch(tc.file)(dir); err != nil {
					t.Fatal(err)
				}
			}
			var got []formats.Severity
			for _, r := range scanPath(t, p).Files {
				for _, f := range r.Findings {
					if f.Rule == "MG119" {
						got = append(got, f.Severity)
					}
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("MG119 at %v, want %v", got, tc.want)
			}
		})
	}
}

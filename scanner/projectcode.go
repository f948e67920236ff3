package scanner

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle"
)

// raiseProjectModules raises to medium a pickle's MG119 finding (a module no
// known library provides, which loading imports from sys.path) when the
// module is there to import: a Python file of that name in the folder
// holding the pickle, a folder above it or at the root of the target, as a file of the
// target or, for a local target, on disk beside it. Python puts the
// script's folder, or a notebook's or "python -c"'s working directory, on
// sys.path first, so loading the model from there runs that file, which a
// scan of the pickle alone never read.
func raiseProjectModules(t *sourceTree, results []FileResult) {
	for i := range results {
		r := &results[i]
		if i >= len(t.files) {
			break
		}
		dir := path.Dir(t.files[i].Rel)
		raised := false
		for j, f := range r.Findings {
			if f.Rule != pickle.RuleProjectGlobal || f.Severity >= formats.Medium || !ownLocation(f.Location, r.Path) {
				continue
			}
			if file := moduleFile(t, f.Details["module"], dir); file != "" {
				f.Message += "; the folder holding it has " + file + ", which loading it from there imports and runs"
				r.Findings[j], raised = f.At(formats.Medium).With("module_file", file), true
			}
		}
		if raised {
			sortFindings(r.Findings)
		}
	}
}

// ownLocation reports whether loc is in the file at p: the file itself or
// a member of it. A pickle inside a container a loader opens whole
// (torch.load's zip, a .nemo or joblib archive) imports from the folder
// the container is loaded from, as a bare pickle does.
func ownLocation(loc, p string) bool {
	rest, ok := strings.CutPrefix(loc, p)
	return ok && (rest == "" || rest[0] == '@' || rest[0] == '!')
}

// moduleFile returns the first file that importing module would run, in
// dir, a folder above it or at the root: for a.b, a's package or module
// file, then a/b's.
func moduleFile(t *sourceTree, module, dir string) string {
	if module == "" {
		return ""
	}
	parts := strings.Split(module, ".")
	// The loading script or notebook may run in any folder from the
	// pickle's up to the root (a/load.ipynb reading a/b/model.pkl).
	bases := []string{dir}
	for d := dir; d != "." && d != "/"; {
		d = path.Dir(d)
		bases = append(bases, d)
	}
	for _, base := range bases {
		for n := 1; n <= len(parts); n++ {
			stem := path.Join(base, path.Join(parts[:n]...))
			// A module file, or a package's __init__ of any suffix.
			for _, s := range []string{stem, stem + "/__init__"} {
				for _, suffix := range moduleSuffixes {
					if name := s + suffix; t.has(name) {
						return name
					}
				}
				if name := t.extension(s); name != "" {
					return name
				}
			}
		}
	}
	return ""
}

// moduleSuffixes are the files CPython's path finder imports a module, or
// a package's __init__, from: source, sourceless bytecode and extension
// modules (importlib.machinery SOURCE_SUFFIXES, BYTECODE_SUFFIXES,
// EXTENSION_SUFFIXES on Linux and Windows).
var moduleSuffixes = []string{".py", ".pyc", ".so", ".abi3.so", ".pyd", ".pyw"}

// has reports whether the target holds a file of that name, or, for a
// local target, anything is on disk under that name where the loader
// would look: a symlink or a directory there imports as well as a file.
func (t *sourceTree) has(name string) bool {
	if _, ok := t.byRel[name]; ok {
		return true
	}
	if t.dir == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(t.dir, filepath.FromSlash(name)))
	return err == nil
}

// extension returns a file of the target, or for a local target one on
// disk where the loader would look, that is an extension module with a
// platform tag for stem (stem.cpython-311-x86_64-linux-gnu.so,
// stem.cp311-win_amd64.pyd).
func (t *sourceTree) extension(stem string) string {
	for name := range t.byRel {
		if taggedExtension(name, stem) {
			return name
		}
	}
	if t.dir == "" {
		return ""
	}
	dir := path.Dir(stem)
	f, err := os.Open(filepath.Join(t.dir, filepath.FromSlash(dir)))
	if err != nil {
		return ""
	}
	defer f.Close()
	names, _ := f.Readdirnames(maxFoldEntries)
	for _, n := range names {
		if name := path.Join(dir, n); taggedExtension(name, stem) {
			return name
		}
	}
	if len(names) == maxFoldEntries {
		// Not all read: the module may be among the rest.
		return dir + "/ (a folder of more entries than were read)"
	}
	return ""
}

func taggedExtension(name, stem string) bool {
	rest, ok := strings.CutPrefix(name, stem+".")
	return ok && !strings.Contains(rest, "/") && (strings.HasSuffix(rest, ".so") || strings.HasSuffix(rest, ".pyd"))
}

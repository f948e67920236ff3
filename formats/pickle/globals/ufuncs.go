package globals

import (
	_ "embed"
	"errors"
	"fmt"
)

// ufuncsTXT lists the names of numpy's ufuncs, generated from numpy by
// tools/allowlist/generate.py.
//
//go:embed ecosystems/ufuncs.txt
var ufuncsTXT string

var ufuncNames = mustParseUfuncs(ufuncsTXT)

// ufuncModules are the modules numpy.core._ufunc_reconstruct(module,
// name) was given by numpy < 1.20's reducer (pickle.whichmodule of the
// ufunc) and tools/allowlist/builders.py UFUNC_MODULES, with numpy 2.x's
// spellings of the same modules.
var ufuncModules = map[string]bool{
	"numpy": true, "numpy.core": true, "numpy.core.umath": true, "numpy.core._multiarray_umath": true,
	"numpy._core": true, "numpy._core.umath": true, "numpy._core._multiarray_umath": true,
}

// NumpyUfunc reports whether module.name is a numpy ufunc as numpy names
// it: a module of numpy's ufuncs, and a name the generated list holds.
// It says nothing of the ecosystem selection: the allowlist judges the
// global itself.
func NumpyUfunc(module, name string) bool {
	return ufuncModules[module] && ufuncNames[name]
}

func mustParseUfuncs(src string) map[string]bool {
	out := map[string]bool{}
	err := dataLines(src, func(line string) error {
		if !ufuncName(line) {
			return fmt.Errorf("%q is not a name", line)
		}
		out[line] = true
		return nil
	})
	if err == nil && len(out) == 0 {
		err = errors.New("no names")
	}
	if err != nil {
		panic("globals: embedded ecosystems/ufuncs.txt: " + err.Error())
	}
	return out
}

// ufuncName reports whether s is an ASCII identifier, as numpy's ufunc
// names are.
func ufuncName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

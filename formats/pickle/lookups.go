package pickle

import (
	"strings"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// lookupFunc recognises the arguments of a call that only looks an object
// up by constant names, and returns the global the call evaluates to.
type lookupFunc func(args Value) (module, name string, ok bool)

// lookups are the functions whose calls the machine judges as the global
// they return, when every argument is a constant name: a denylisted
// lookup used only that way is cleared, since what it can reach is
// exactly the globals it names, each judged on its own. Any other use (a
// computed name, the function held or passed on) keeps its finding.
var lookups = map[string]lookupFunc{
	"builtins.getattr": namedAttribute,
	// type(None) is how cloudpickle and copyreg pickle NoneType.
	"builtins.type": constantType,
	// dill pickles a builtin or interpreter type (list, NoneType, CodeType)
	// as _load_type(name): a lookup in dill's _reverse_typemap.
	"dill._dill._load_type": dillType,
	"dill.dill._load_type":  dillType,
	// cloudpickle pickles an interpreter type as _builtin_type(name), which
	// returns getattr(types, name) ("ClassType" is type, for old pickles).
	"cloudpickle.cloudpickle._builtin_type":                       cloudpickleType,
	"cloudpickle.cloudpickle_fast._builtin_type":                  cloudpickleType,
	"joblib.externals.cloudpickle.cloudpickle._builtin_type":      cloudpickleType,
	"joblib.externals.cloudpickle.cloudpickle_fast._builtin_type": cloudpickleType,
	// numpy < 1.20 pickled a ufunc as _ufunc_reconstruct(module, name),
	// which imports module and returns its attribute name.
	"numpy.core._ufunc_reconstruct":  ufuncReconstruct,
	"numpy._core._ufunc_reconstruct": ufuncReconstruct,
}

// ufuncReconstruct is numpy's _ufunc_reconstruct(module, name), a lookup
// only when both are constant strings naming one of numpy's ufunc modules
// and a name numpy's generated list holds (globals.NumpyUfunc): any other
// module or name is an import primitive and stays denied.
func ufuncReconstruct(args Value) (string, string, bool) {
	if args.kind != KindTuple || args.nkept() != 2 || args.Len() != 2 {
		return "", "", false
	}
	mod, name := args.at(0), args.at(1)
	if mod.kind != KindStr || name.kind != KindStr {
		return "", "", false
	}
	m, ok1 := mod.Text()
	n, ok2 := name.Text()
	if !ok1 || !ok2 || !globals.NumpyUfunc(m, n) {
		return "", "", false
	}
	return m, n, true
}

// constName returns the single constant identifier argument of a call.
func constName(args Value) (string, bool) {
	if args.kind != KindTuple || args.nkept() != 1 || args.Len() != 1 {
		return "", false
	}
	a := args.at(0)
	name, ok := a.Text()
	if !ok || a.kind != KindStr || !identifier(name) {
		return "", false
	}
	return name, true
}

// cloudpickleType is cloudpickle's _builtin_type(name): types.<name>.
func cloudpickleType(args Value) (string, string, bool) {
	name, ok := constName(args)
	if !ok {
		return "", "", false
	}
	if name == "ClassType" {
		return "builtins", "type", true
	}
	return "types", name, true
}

// dillTypes are the entries of dill's _reverse_typemap (dill 0.3.x
// _create_typemap and its updates) that are neither a builtins name nor a
// name of the types module, spelled as the object they hold.
var dillTypes = map[string][2]string{
	"PartialType":          {"functools", "partial"},
	"SuperType":            {"builtins", "super"},
	"ItemGetterType":       {"operator", "itemgetter"},
	"AttrGetterType":       {"operator", "attrgetter"},
	"FileType":             {"_io", "FileIO"},
	"BufferedRandomType":   {"_io", "BufferedRandom"},
	"BufferedReaderType":   {"_io", "BufferedReader"},
	"BufferedWriterType":   {"_io", "BufferedWriter"},
	"TextWrapperType":      {"_io", "TextIOWrapper"},
	"PyBufferedRandomType": {"_pyio", "BufferedRandom"},
	"PyBufferedReaderType": {"_pyio", "BufferedReader"},
	"PyBufferedWriterType": {"_pyio", "BufferedWriter"},
	"PyTextWrapperType":    {"_pyio", "TextIOWrapper"},
	"ExitType":             {"_sitebuiltins", "Quitter"},
	"InputType":            {"_io", "TextIOWrapper"},
	"OutputType":           {"_io", "TextIOWrapper"},
}

// dillType is dill's _load_type(name): builtins types under their
// builtins name, types-module types (CodeType, FunctionType, ...) under
// types, and the table's extras as the objects they hold. A name the table
// lacks (a dict view type, a capsule) is judged as types.<name>, which no
// allowlist passes: dill raises KeyError for a name that is not there.
func dillType(args Value) (string, string, bool) {
	name, ok := constName(args)
	if !ok {
		return "", "", false
	}
	if g, ok := dillTypes[name]; ok {
		return g[0], g[1], true
	}
	if strings.HasSuffix(name, "Type") {
		return "types", name, true
	}
	return "builtins", name, true
}

// constantType is type(x) for a constant whose type has a name: None,
// Ellipsis and NotImplemented. Any other use of type (three arguments
// create a class) is not a lookup.
func constantType(args Value) (string, string, bool) {
	if args.kind != KindTuple || args.nkept() != 1 || args.Len() != 1 {
		return "", "", false
	}
	a := args.at(0)
	switch {
	case a.kind == KindNone:
		return "types", "NoneType", true
	case a.kind == KindGlobal && a.gobj().module == "builtins" && a.gobj().name == "Ellipsis":
		return "types", "EllipsisType", true
	case a.kind == KindGlobal && a.gobj().module == "builtins" && a.gobj().name == "NotImplemented":
		return "types", "NotImplementedType", true
	}
	return "", "", false
}

// evalName recognises the arguments of eval(name, {name: value}), which
// is how paddle.save pickles a LoDTensor (reduce_LoDTensor in
// paddle/framework/io.py returns (eval, ('data', {'data': array}))), and
// returns value, what the call evaluates to. Evaluating a bare name looks
// it up in the globals dict and calls nothing: the dict must be a pickled
// dict literal (an exact dict, whose lookup runs no __getitem__) holding
// that one str key, so that the name neither falls through to builtins nor
// compares against a key of another type, and the name an ASCII identifier
// that is no keyword. Any other call of eval stays denied.
func evalName(args Value) (Value, bool) {
	if args.kind != KindTuple || args.Len() != 2 || args.nkept() != 2 {
		return Value{}, false
	}
	code, env := args.at(0), args.at(1)
	name, ok := code.Text()
	if !ok || code.kind != KindStr || !identifier(name) || pythonKeywords[name] {
		return Value{}, false
	}
	if env.kind != KindDict || env.obj() == nil || env.Len() != 1 || env.nkept() != 2 {
		return Value{}, false
	}
	if k, ok := env.at(0).Text(); !ok || env.at(0).kind != KindStr || k != name {
		return Value{}, false
	}
	return env.at(1), true
}

// pythonKeywords are Python 3's reserved words, which eval does not look up
// as names.
var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

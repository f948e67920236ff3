package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestTypeLookups checks the type lookups dill and cloudpickle write for
// builtin and interpreter types: a call with a constant name is judged as
// the type it returns, and the lookup function itself only when it is
// used another way.
func TestTypeLookups(t *testing.T) {
	loadType := glob("dill._dill", "_load_type")
	builtinType := glob("cloudpickle.cloudpickle", "_builtin_type")
	tests := []struct {
		name   string
		data   []byte
		worst  formats.Severity // the most severe finding; Info for none
		global string           // a global that must be reported, "" for none
	}{
		{"dill list", cat(proto(4), loadType, sbu("list"), tuple1, reduce, stop), formats.Info, ""},
		{"dill NoneType", cat(proto(4), loadType, sbu("NoneType"), tuple1, reduce, stop), formats.Info, ""},
		{"dill CodeType", cat(proto(4), loadType, sbu("CodeType"), tuple1, reduce, stop), formats.Critical, "types.CodeType"},
		{"dill FileType", cat(proto(4), loadType, sbu("FileType"), tuple1, reduce, stop), formats.High, "_io.FileIO"},
		{"dill PartialType", cat(proto(4), loadType, sbu("PartialType"), tuple1, reduce, stop), formats.Critical, "functools.partial"},
		{"dill computed name", cat(proto(4), loadType, glob("builtins", "str"), emptyTuple, reduce, tuple1, reduce, stop), formats.Critical, "dill._dill._load_type"},
		{"dill lookup held", cat(proto(4), loadType, stop), formats.Critical, "dill._dill._load_type"},
		{"cloudpickle CodeType", cat(proto(4), builtinType, sbu("CodeType"), tuple1, reduce, stop), formats.Critical, "types.CodeType"},
		{"cloudpickle ClassType", cat(proto(4), builtinType, sbu("ClassType"), tuple1, reduce, stop), formats.High, "builtins.type"},
		{"cloudpickle dunder", cat(proto(4), builtinType, sbu("__builtins__"), tuple1, reduce, stop), formats.Critical, "types.__builtins__"},
		{"type of None", cat(proto(4), glob("builtins", "type"), "N", tuple1, reduce, stop), formats.Info, ""},
		{"type of a string", cat(proto(4), glob("builtins", "type"), sbu("x"), tuple1, reduce, stop), formats.High, "builtins.type"},
		// _create_array(f, args, state) runs f(*args): f and its argument
		// roles are checked as if the pickle called f.
		{"dill array", cat(proto(4), glob("dill._dill", "_create_array"), glob("numpy.core.multiarray", "_reconstruct"),
			glob("numpy", "ndarray"), k1(0), tuple1, sbb("b"), "\x87", emptyTuple, "\x87", reduce, stop), formats.Info, ""},
		{"dill array calls os.system", cat(proto(4), glob("dill._dill", "_create_array"), glob("os", "system"),
			sbu("id"), tuple1, emptyTuple, "\x87", reduce, stop), formats.Critical, "os.system"},
		{"dill array calls a class-only global", cat(proto(4), glob("dill._dill", "_create_array"), glob("numpy", "ndarray"),
			emptyTuple, emptyTuple, "\x87", reduce, stop), formats.Medium, "numpy.ndarray"},
		{"dill array calls a computed object", cat(proto(4), glob("dill._dill", "_create_array"),
			glob("builtins", "hash"), sbu("x"), tuple1, reduce, emptyTuple, emptyTuple, "\x87", reduce, stop), formats.High, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, found := formats.Info, tt.global == ""
			for _, f := range rec.Findings {
				worst = max(worst, f.Severity)
				if f.Details["global"] == tt.global && f.Severity >= formats.Medium {
					found = true
				}
			}
			if worst != tt.worst || !found {
				t.Errorf("worst %v (want %v), %s reported %v: %s", worst, tt.worst, tt.global, found, list(rec.Findings))
			}
		})
	}
}

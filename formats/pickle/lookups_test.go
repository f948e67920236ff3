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

// TestEvalName checks the one eval call cleared: paddle.save's
// eval('data', {'data': array}) for a LoDTensor evaluates a bare name in
// a one-entry dict literal. Every other use of eval stays critical.
func TestEvalName(t *testing.T) {
	eval2, eval := glob("__builtin__", "eval"), glob("builtins", "eval")
	one := func(k string) string { return emptyDict + sbu(k) + k1(1) + "s" }
	tests := []struct {
		name  string
		data  []byte
		worst formats.Severity
	}{
		{"paddle LoDTensor", cat(proto(2), eval2, sbu("data"), one("data"), tuple2, reduce, stop), formats.Info},
		{"another identifier", cat(proto(4), eval, sbu("w_0"), one("w_0"), tuple2, reduce, stop), formats.Info},
		{"twice, memoized name", cat(proto(2), emptyList, mark, eval2, binput(1), sbu("data"), binput(2), emptyDict, binget(2), k1(1), "s", tuple2, reduce,
			binget(1), binget(2), emptyDict, binget(2), k1(2), "s", tuple2, reduce, "e", stop), formats.Info},
		{"expression", cat(proto(4), eval, sbu("__import__('os').system('id')"), one("x"), tuple2, reduce, stop), formats.Critical},
		{"name the dict lacks", cat(proto(4), eval, sbu("exec"), one("data"), tuple2, reduce, stop), formats.Critical},
		{"two keys", cat(proto(4), eval, sbu("data"), emptyDict, mark, sbu("data"), k1(1), sbu("exec"), k1(2), "u", tuple2, reduce, stop), formats.Critical},
		{"bytes key", cat(proto(4), eval, sbu("data"), emptyDict, sbb("data"), k1(1), "s", tuple2, reduce, stop), formats.Critical},
		{"keyword", cat(proto(4), eval, sbu("None"), one("None"), tuple2, reduce, stop), formats.Critical},
		{"locals too", cat(proto(4), eval, sbu("data"), one("data"), one("data"), "\x87", reduce, stop), formats.Critical},
		{"globals not a dict literal", cat(proto(4), eval, sbu("data"), glob("collections", "OrderedDict"), emptyTuple, reduce, tuple2, reduce, stop), formats.Critical},
		{"one call, one held", cat(proto(4), eval, binput(1), sbu("data"), one("data"), tuple2, reduce, pop, binget(1), stop), formats.Critical},
		{"expression after a name", cat(proto(4), emptyList, mark, eval, binput(1), sbu("data"), one("data"), tuple2, reduce,
			binget(1), sbu("exec('x')"), one("data"), tuple2, reduce, "e", stop), formats.Critical},
		{"the value is judged", cat(proto(4), eval, sbu("data"), emptyDict, sbu("data"), glob("os", "system"), "s", tuple2, reduce,
			sbu("id"), tuple1, reduce, stop), formats.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, _ := rec.Max()
			if len(rec.Findings) == 0 {
				worst = formats.Info
			}
			if worst != tt.worst {
				t.Errorf("worst %v, want %v: %s", worst, tt.worst, list(rec.Findings))
			}
		})
	}
}

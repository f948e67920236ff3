package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestGetattrOfGlobal checks how protocols 2 and 3 pickle a nested class or
// function: getattr(Outer, "inner") (pickle.py save_global). Such a call is
// judged as the dotted global Outer.inner, and getattr itself is cleared;
// every other use of getattr stays critical.
func TestGetattrOfGlobal(t *testing.T) {
	getattr := glob("__builtin__", "getattr") // protocol 2 writes the Python 2 name
	outer := glob("collections", "OrderedDict")
	tests := []struct {
		name        string
		data        []byte
		wantGetattr bool   // builtins.getattr reported critical
		wantGlobal  string // a global reported at medium or above, "" for none
	}{
		{"CPython nested reference", cat(proto(2), getattr, binput(0), outer, binput(1), sbu("fromkeys"), tuple2, reduce, stop), false,
			"collections.OrderedDict.fromkeys"},
		{"unknown outer class", cat(proto(2), getattr, glob("__main__", "Outer"), sbu("Inner"), tuple2, reduce, stop), false, "__main__.Outer.Inner"},
		{"through the memo twice", cat(proto(2), mark, getattr, binput(0), outer, sbu("fromkeys"), tuple2, reduce,
			binget(0), outer, sbu("copy"), tuple2, reduce, "l", stop), false, "collections.OrderedDict.fromkeys"},
		{"dunder name", cat(proto(2), getattr, outer, sbu("__init__"), tuple2, reduce, stop), true, ""},
		{"name of a denied attribute", cat(proto(2), getattr, glob("os", "path"), sbu("system"), tuple2, reduce, stop), false, "os.path.system"},
		{"computed object", cat(proto(2), getattr, glob("builtins", "hash"), sbu("x"), tuple1, reduce, sbu("y"), tuple2, reduce, stop), true, ""},
		{"bytes name", cat(proto(2), getattr, outer, "C\x08fromkeys", tuple2, reduce, stop), true, ""},
		{"not an identifier", cat(proto(2), getattr, outer, sbu("a.b"), tuple2, reduce, stop), true, ""},
		{"three arguments", cat(proto(2), getattr, outer, sbu("x"), "N", "\x87", reduce, stop), true, ""},
		{"getattr held as a value", cat(proto(2), mark, getattr, binput(0), outer, sbu("copy"), tuple2, reduce, binget(0), "l", stop), true, ""},
		// A bound method of a constant string, as pickle writes "".join,
		// is the str method it names.
		{"bound method of a string", cat(proto(2), getattr, sbu(""), sbu("join"), tuple2, reduce, stop), false, ""},
		{"the unbound str method", cat(proto(2), getattr, glob("__builtin__", "str"), sbu("lower"), tuple2, reduce, stop), false, ""},
		{"str.format traverses attributes", cat(proto(2), getattr, sbu("{0.__class__}"), sbu("format"), tuple2, reduce, stop), false, "builtins.str.format"},
		{"str.encode looks codecs up", cat(proto(2), getattr, sbu("x"), sbu("encode"), tuple2, reduce, stop), false, "builtins.str.encode"},
		{"a dunder of a string", cat(proto(2), getattr, sbu(""), sbu("__class__"), tuple2, reduce, stop), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var getattrFlagged bool
			for _, f := range rec.Findings {
				if f.Details["global"] == "builtins.getattr" && f.Severity == formats.Critical {
					getattrFlagged = true
				}
			}
			if getattrFlagged != tt.wantGetattr {
				t.Errorf("getattr flagged=%v, want %v: %s", getattrFlagged, tt.wantGetattr, list(rec.Findings))
			}
			if tt.wantGlobal == "" {
				return
			}
			found := false
			for _, f := range rec.Findings {
				if f.Details["global"] == tt.wantGlobal && f.Severity >= formats.Medium {
					found = true
				}
			}
			if !found {
				t.Errorf("no finding on %s: %s", tt.wantGlobal, list(rec.Findings))
			}
		})
	}
}

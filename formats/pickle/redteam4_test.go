package pickle

import (
	"errors"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestRedteam4Unkept asserts that an object a container holds beyond, or
// in place of, the items the machine keeps is judged: each case ends
// inconclusive or with a finding at medium or above.
//
// Failing on 92c5a32: SETITEM(S) on a list (CPython's load_setitem runs
// list[i] = v) replaces an item the machine still shows as the old one,
// and the element loop of dunderArgs walks a list or tuple argument's
// kept cells only, without visit; a non-dict state handed to a
// __setstate__ that calls dict() on it has its keys attribute called.
func TestRedteam4Unkept(t *testing.T) {
	ints := strings.Repeat(k1(0), 70)
	pairs := strings.Repeat(k1(0)+k1(0)+tuple2, 70)
	str := glob("builtins", "str")
	mustFail(t, map[string][]byte{
		// Caught on 92c5a32: kept as regressions.
		"str of TUPLE opcode":             cat(proto(2), series, binput(0), pop, str, mark, ints, binget(0), "t", tuple1, reduce, stop),
		"str of FROZENSET opcode":         cat(proto(4), series, binput(0), pop, str, mark, ints, binget(0), "\x91", tuple1, reduce, stop),
		"str of list APPENDS then APPEND": cat(proto(2), series, binput(0), pop, str, emptyList, mark, ints, "e", binget(0), "a", tuple1, reduce, stop),
		"str of DICT opcode":              cat(proto(2), series, binput(0), pop, str, mark, strings.Repeat(k1(1)+k1(0), 40), k1(2), binget(0), "d", tuple1, reduce, stop),
		// Bypasses.
		"str of a list whose item SETITEM replaced": cat(proto(2), series, binput(0), pop, str, emptyList, k1(0), "a", k1(0), binget(0), "s", tuple1, reduce, stop),
		"str of a 70-list SETITEMS set at index 69": cat(proto(2), series, binput(0), pop, str, emptyList, mark, ints, "e", mark, k1(69), binget(0), "u", tuple1, reduce, stop),
		"sorted of a list whose item is a config":   cat(proto(2), glob("builtins", "sorted"), emptyList, k1(0), "a", k1(0), config, "s", tuple1, reduce, stop),
		"dict of 70 pairs then two config keys":     cat(proto(2), glob("builtins", "dict"), mark, pairs, config, k1(1), tuple2, config, k1(1), tuple2, "l", tuple1, reduce, stop),
		"set of a 72-tuple ending with two configs": cat(proto(4), glob("builtins", "set"), mark, ints, config, config, "t", tuple1, reduce, stop),
		// gymnasium's Space.__setstate__ (and gym >= 0.21's) starts with
		// dict(state): for a state that is not a dict, CPython's dict()
		// calls state.keys(), an instance attribute of a Namespace, so the
		// class-only Box is called as a __setstate__ attribute would call it.
		"Space state whose keys attribute is a class": cat(proto(2), glob("gymnasium.spaces.box", "Box"), emptyTuple, newobj,
			glob("argparse", "Namespace"), emptyTuple, newobj, emptyDict, sbu("keys"), glob("gymnasium.spaces.box", "Box"), "s", build, build, stop),
	})
}

// mustFail scans each named stream and requires a finding at medium or
// above; a stream that ends the scan at a limit is inconclusive, which
// fails the gate too.
func mustFail(t *testing.T, cases map[string][]byte) {
	t.Helper()
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			rec, _, err := scanBytes(t, data, Options{})
			var le *formats.LimitError
			if errors.As(err, &le) {
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); !any || worst < formats.Medium {
				t.Errorf("passes: %s", list(rec.Findings))
			}
		})
	}
}

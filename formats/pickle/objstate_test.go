package pickle

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestObjectStateReads asserts what loading runs on a BUILD state, or on
// an argument of dict(), OrderedDict(), defaultdict() or Counter(), that
// is an object rather than a dict: its keys or items instance attribute
// is called (MG116 for a class-only global, MG112 for anything else),
// and its keys, items, __getitem__, __iter__ ... are judged against
// ecosystems/dunders.txt (MG118). Benign shapes stay clean.
//
// Failing before stateReads: only a gym or gymnasium space BUILT with a
// non-dict state was reported (dictState), and dict() of an object ran
// no hook.
func TestObjectStateReads(t *testing.T) {
	box := glob("gymnasium.spaces.box", "Box")
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	// nsWith is a Namespace whose attribute name holds value.
	nsWith := func(name, value string) string { return ns + emptyDict + sbu(name) + value + "s" + build }
	lr := built("sklearn.linear_model._base", "LinearRegression")
	linear := built("torch.nn.modules.linear", "Linear")
	booster := built("xgboost.core", "Booster")
	tests := []struct {
		name string
		data []byte
		rule string // reported at medium or above, or "" for clean
	}{
		// A __setstate__ the allowlist knows nothing of (sklearn's
		// BaseEstimator) gets the object: dict(state) calls its keys.
		{"estimator state whose keys is a class", cat(proto(2), lr, nsWith("keys", box), build, stop), RuleMisusedGlobal},
		{"estimator state whose items is a class", cat(proto(2), lr, nsWith("items", box), build, stop), RuleMisusedGlobal},
		{"estimator state whose keys is an object", cat(proto(2), lr, nsWith("keys", ns), build, stop), RuleComputedCall},
		{"estimator state whose keys is os.system", cat(proto(2), lr, nsWith("keys", glob("os", "system")), build, stop), RuleDeniedGlobal},
		// torch.nn.Module.__setstate__: self.__dict__.update(state).
		{"Module state whose keys is a class", cat(proto(2), linear, nsWith("keys", box), build, stop), RuleMisusedGlobal},
		// No __setstate__: pickle.py's load_build calls state.items().
		{"Namespace state whose items is a class", cat(proto(2), ns, nsWith("items", box), build, stop), RuleMisusedGlobal},
		{"slot state whose items is a class", cat(proto(2), ns, "N", nsWith("items", box), tuple2, build, stop), RuleMisusedGlobal},
		// The attribute set by the state's slot state (setattr) or
		// beyond the items the scan keeps.
		{"keys set by a slot state", cat(proto(2), lr, ns, "N", emptyDict, sbu("keys"), box, "s", tuple2, build, build, stop), RuleMisusedGlobal},
		{"keys beyond the kept items", cat(proto(2), lr, ns, emptyDict, mark, strings.Repeat(sbu("a")+k1(0), 200), sbu("keys"), box, "u", build, build, stop), RuleMisusedGlobal},
		// Red team: a persistent object's attribute, and one set in a
		// __dict__ a slot state installed, after the install.
		{"keys of a persistent object", cat(proto(2), lr, sbu("x"), "Q", emptyDict, sbu("keys"), box, "s", build, build, stop), RuleMisusedGlobal},
		{"keys in an installed __dict__", cat(proto(2), lr, ns, "N", emptyDict, sbu("__dict__"), emptyDict, binput(1), "s", tuple2, build,
			binget(1), sbu("keys"), box, "s", pop, build, stop), RuleMisusedGlobal},
		{"keys of a memoized state set twice", cat(proto(2), lr, nsWith("keys", box), binput(2), emptyDict, sbu("keys"), k1(1), "s", build, pop, binget(2), build, stop), ""},
		// The gym case, through the state's items and a pair state.
		{"Space state whose items is a class", cat(proto(2), box, emptyTuple, newobj, nsWith("items", box), build, stop), RuleMisusedGlobal},
		{"Space pair state holding such an object", cat(proto(2), box, emptyTuple, newobj, nsWith("keys", box), "N", tuple2, build, stop), RuleMisusedGlobal},
		// An object of a class whose methods the generator does not
		// vouch for: Booster.__getitem__ reaches ctypes.
		{"Booster as a BUILD state", cat(proto(2), lr, booster, build, stop), RuleUnvouchedDunder},
		{"Booster as a Module state", cat(proto(2), linear, booster, build, stop), RuleUnvouchedDunder},
		{"dict of a Booster", cat(proto(2), glob("builtins", "dict"), booster, tuple1, reduce, stop), RuleUnvouchedDunder},
		// dict(), OrderedDict(), defaultdict() and Counter() of an object.
		{"dict of an object whose keys is a class", cat(proto(2), glob("builtins", "dict"), nsWith("keys", box), tuple1, reduce, stop), RuleMisusedGlobal},
		{"OrderedDict of an object whose items is a class", cat(proto(2), glob("collections", "OrderedDict"), nsWith("items", box), tuple1, reduce, stop), RuleMisusedGlobal},
		{"defaultdict of an object whose keys is a class", cat(proto(2), glob("collections", "defaultdict"), "N", nsWith("keys", box), tuple2, reduce, stop), RuleMisusedGlobal},
		{"Counter of an object whose keys is a class", cat(proto(2), glob("collections", "Counter"), nsWith("keys", box), tuple1, reduce, stop), RuleMisusedGlobal},
		{"reconstructor dict state of such an object", cat(proto(2), glob("copyreg", "_reconstructor"), glob("collections", "OrderedDict"), glob("builtins", "dict"),
			nsWith("keys", box), "\x87", reduce, stop), RuleMisusedGlobal},
		// Benign: dict states, an OrderedDict state (a dict subclass,
		// whose methods are the C type's), a Namespace with data
		// attributes named keys and items, a pair of dicts.
		{"estimator dict state", cat(proto(2), lr, emptyDict, sbu("keys"), k1(1), "s", build, stop), ""},
		{"estimator OrderedDict state", cat(proto(2), lr, glob("collections", "OrderedDict"), emptyTuple, reduce, sbu("a"), k1(1), "s", build, stop), ""},
		{"Module state with data keys and items", cat(proto(2), linear, ns, emptyDict, mark, sbu("keys"), emptyList, sbu("items"), k1(1), "u", build, build, stop), ""},
		{"Namespace pair state", cat(proto(2), ns, emptyDict, emptyDict, tuple2, build, stop), ""},
		{"dict of a Namespace", cat(proto(2), glob("builtins", "dict"), nsWith("a", k1(1)), tuple1, reduce, stop), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			var le *formats.LimitError
			if tt.rule != "" && errors.As(err, &le) {
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.rule == "" {
				if any && worst >= formats.Medium {
					t.Errorf("benign form has findings: %s", list(rec.Findings))
				}
				return
			}
			if !slices.Contains(rec.Rules(), tt.rule) || worst < formats.Medium {
				t.Errorf("rule %s not reported at medium or above; got %s", tt.rule, list(rec.Findings))
			}
		})
	}
}

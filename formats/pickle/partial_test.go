package pickle

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestPartial asserts when functools.partial is cleared: only when every
// callable it can end up holding (the REDUCE argument and the func of its
// BUILD state) is allowed as a function and every argument is a constant,
// as gensim's TfidfModel pickles partial(smartirs_wlocal, local_scheme='n').
// Every other shape keeps the critical finding on functools.partial.
func TestPartial(t *testing.T) {
	const tfidf = "gensim.models.tfidfmodel"
	partial := glob("functools", "partial")
	wlocal := glob(tfidf, "smartirs_wlocal")
	// BUILD state (func, args, kwds, dict) as gensim writes it.
	state := func(fn, args, kw string) string { return mark + fn + args + kw + "N" + "t" + build }
	kwN := emptyDict + sbs("local_scheme") + sbs("n") + "s"
	computed := glob("builtins", "hash") + sbu("x") + tuple1 + reduce
	tests := []struct {
		name    string
		data    []byte
		cleared bool
	}{
		{"gensim shape", cat(proto(2), partial, wlocal, binput(1), tuple1, reduce, state(binget(1), emptyTuple, kwN), stop), true},
		{"no BUILD", cat(proto(2), partial, wlocal, sbs("n"), tuple2, reduce, stop), true},
		{"two partials through the memo", cat(proto(2), mark, partial, binput(0), wlocal, tuple1, reduce,
			binget(0), glob(tfidf, "smartirs_wglobal"), tuple1, reduce, "l", stop), true},
		{"denied function", cat(proto(2), partial, glob("os", "system"), sbs("id"), tuple2, reduce, stop), false},
		{"unknown function", cat(proto(2), partial, glob("evil.mod", "run"), tuple1, reduce, stop), false},
		{"class-only global", cat(proto(2), partial, glob("torch.nn.modules.linear", "Linear"), tuple1, reduce, stop), false},
		{"value-only global", cat(proto(2), partial, glob("collections.abc", "Mapping"), tuple1, reduce, stop), false},
		{"partial of partial", cat(proto(2), partial, binput(0), binget(0), tuple1, reduce, stop), false},
		{"BUILD swaps func for os.system", cat(proto(2), partial, wlocal, tuple1, reduce,
			state(glob("os", "system"), sbs("id")+tuple1, "N"), stop), false},
		{"BUILD swaps func for an unknown global", cat(proto(2), partial, wlocal, tuple1, reduce,
			state(glob("evil.mod", "run"), emptyTuple, "N"), stop), false},
		{"computed positional argument", cat(proto(2), partial, wlocal, computed, tuple2, reduce, stop), false},
		{"computed argument in BUILD state", cat(proto(2), partial, wlocal, tuple1, reduce,
			state(wlocal, computed+tuple1, "N"), stop), false},
		{"computed keyword in BUILD state", cat(proto(2), partial, wlocal, tuple1, reduce,
			state(wlocal, emptyTuple, emptyDict+sbs("k")+computed+"s"), stop), false},
		{"keywords mutated after BUILD", cat(proto(2), partial, wlocal, tuple1, reduce,
			mark, wlocal, emptyTuple, emptyDict, binput(9), "N", "t", build, binget(9), sbs("k"), computed, "s", pop, stop), false},
		{"BUILD state not a 4-tuple", cat(proto(2), partial, wlocal, tuple1, reduce, glob("os", "system"), build, stop), false},
		{"partial held besides a benign call", cat(proto(2), mark, partial, binput(0), wlocal, tuple1, reduce,
			glob("copyreg", "__newobj__"), binget(0), glob("os", "system"), tuple2, reduce, "l", stop), false},
		{"partial held as a value", cat(proto(2), mark, partial, binput(0), wlocal, tuple1, reduce, binget(0), "l", stop), false},
		{"computed callable", cat(proto(2), partial, computed, tuple1, reduce, stop), false},
		// pandas 1.3+ pickles each DataFrame block as a call of
		// partial(new_block, ndim=2) on its values and placement.
		{"pandas block: the partial object called", cat(proto(2), partial, glob("pandas.core.internals.blocks", "new_block"),
			binput(1), tuple1, reduce, state(binget(1), emptyTuple, emptyDict+sbs("ndim")+"K\x02s"), sbu("values"), sbu("placement"),
			tuple2, reduce, stop), true},
		{"a partial of os.system called", cat(proto(2), partial, glob("os", "system"), tuple1, reduce, sbu("id"), tuple1, reduce, stop), false},
		{"a partial of a class-only global called", cat(proto(2), partial, glob("torch.nn.modules.linear", "Linear"), tuple1, reduce,
			sbu("x"), tuple1, reduce, stop), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var flagged bool
			for _, f := range rec.Findings {
				if f.Details["global"] == "functools.partial" && f.Severity == formats.Critical && f.Rule == RuleDeniedGlobal {
					flagged = true
				}
			}
			if flagged == tt.cleared {
				t.Errorf("functools.partial flagged=%v, want %v: %s", flagged, !tt.cleared, list(rec.Findings))
			}
			if worst, any := rec.Max(); tt.cleared && any && worst >= formats.Medium {
				t.Errorf("benign partial has findings: %s", list(rec.Findings))
			}
		})
	}
}

// partialRebuild calls partial(torch._tensor._rebuild_from_type_v2) on
// cls, which _rebuild_from_type_v2 calls with args (func(*args)).
func partialRebuild(cls, args string) []byte {
	return cat(proto(2), glob("functools", "partial"), glob("torch._tensor", "_rebuild_from_type_v2"), tuple1, reduce,
		mark, cls, glob("torch", "Tensor"), args, emptyDict, "t", reduce, stop)
}

// TestPartialCallArguments: the arguments a call of a partial object
// passes are judged as the bound function's own: a class the allowlist
// permits only to be rebuilt, handed to a forwarding rebuild function,
// is called (its __init__ runs on the file's arguments), and a config
// handed to list is iterated.
func TestPartialCallArguments(t *testing.T) {
	partial := glob("functools", "partial")
	lc := glob("omegaconf.listconfig", "ListConfig") + emptyTuple + newobj + emptyDict + sbu("_content") + emptyList + "s" + build
	tests := []struct {
		name string
		data []byte
	}{
		{"class-only class forwarded", partialRebuild(glob("gensim.models.word2vec", "Word2Vec"), "N"+sbu("/etc/passwd")+tuple2)},
		{"reference-only function forwarded", partialRebuild(glob("gensim.utils", "call_on_class_only"), emptyTuple)},
		{"forwarded class bound by the BUILD state", cat(proto(2), partial, glob("builtins", "len"), tuple1, reduce,
			mark, glob("torch._tensor", "_rebuild_from_type_v2"), glob("torch.nn.modules.linear", "Linear"), tuple1, emptyDict, "N", "t", build,
			glob("torch", "Tensor"), "K\x02K\x03"+tuple2, emptyDict, "\x87", reduce, stop)},
		{"config iterated by list", cat(proto(2), partial, glob("builtins", "list"), tuple1, reduce, lc, tuple1, reduce, stop)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { failsGate(t, tt.data) })
	}
}

// TestPartialForwardedInit proves with the real loader that a partial of
// _rebuild_from_type_v2 runs the __init__ of the class it is called on:
// the loaded object is Linear(2, 3).
func TestPartialForwardedInit(t *testing.T) {
	py := pythontest.Require(t, "torch")
	cmd := exec.Command(py, "-c", "import pickle, sys, torch; print(pickle.loads(sys.stdin.buffer.read()))")
	cmd.Stdin = strings.NewReader(string(partialRebuild(glob("torch.nn.modules.linear", "Linear"), "K\x02K\x03"+tuple2)))
	cmd.Env = pythontest.Env(t.TempDir())
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "Linear(in_features=2, out_features=3") {
		t.Fatalf("Linear.__init__ did not run: %s", out)
	}
}

// TestLaunderedRoleArgument: a class the pickle computes (a pure builtin
// returning its argument) in the place of a rebuild function's callable
// is still called: with the real loader, _rebuild_from_type_v2 on
// next(reversed((Linear,))) or sum([], Linear) returned Linear(2, 3).
func TestLaunderedRoleArgument(t *testing.T) {
	rebuild := func(f string) []byte {
		return cat(proto(2), glob("torch._tensor", "_rebuild_from_type_v2"), mark, f, glob("torch", "Tensor"),
			"K\x02K\x03"+tuple2, emptyDict, "t", reduce, stop)
	}
	linear := glob("torch.nn.modules.linear", "Linear")
	tests := []struct {
		name string
		data []byte
	}{
		{"next(reversed((Linear,)))", rebuild(glob("builtins", "next") + glob("builtins", "reversed") + linear + tuple1 + tuple1 + reduce + tuple1 + reduce)},
		{"sum([], Linear)", rebuild(glob("builtins", "sum") + emptyList + linear + tuple2 + reduce)},
		{"through a partial", cat(proto(2), glob("functools", "partial"), glob("torch._tensor", "_rebuild_from_type_v2"), tuple1, reduce,
			mark, glob("builtins", "sum"), emptyList, linear, tuple2, reduce, glob("torch", "Tensor"), "K\x02K\x03"+tuple2, emptyDict, "t", reduce, stop)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { failsGate(t, tt.data) })
	}
}

// TestNewObjRole: scikit-learn's newObj(cls) is cls.__new__(cls), so its
// argument is used as a class, as NEWOBJ's is; a global the allowlist
// permits only as a value is misused there.
func TestNewObjRole(t *testing.T) {
	newObj := func(cls string) []byte {
		return cat(proto(2), glob("sklearn.neighbors._kd_tree", "newObj"), cls, tuple1, reduce, stop)
	}
	for _, tt := range []struct {
		name string
		data []byte
		gate bool
	}{
		{"KDTree", newObj(glob("sklearn.neighbors._kd_tree", "KDTree")), false},
		{"value-only class", newObj(glob("collections.abc", "Callable")), true},
	} {
		rec, _, err := scanBytes(t, tt.data, Options{})
		if err != nil {
			t.Fatalf("%s: error %v", tt.name, err)
		}
		if worst, any := rec.Max(); (any && worst >= formats.Medium) != tt.gate {
			t.Errorf("%s: gate fails = %v, want %v: %s", tt.name, any && worst >= formats.Medium, tt.gate, list(rec.Findings))
		}
	}
}

// failsGate scans data and asserts a finding at medium or above.
func failsGate(t *testing.T, data []byte) {
	t.Helper()
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("error %v", err)
	}
	if worst, any := rec.Max(); !any || worst < formats.Medium {
		t.Errorf("passes the gate: %s", list(rec.Findings))
	}
}

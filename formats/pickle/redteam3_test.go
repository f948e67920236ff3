package pickle

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestRedTeam3Configs holds red-team findings against the config search
// (MG116): each stream gives an omegaconf config to code that reads it
// while loading, through a class plainstate.txt lists as storing its BUILD
// state unread, and CPython's unpickler resolves the config's
// interpolations with the loading program's resolvers (proofs in the
// red-team 3 report: /work/redteam3/mk*.py with a registered "evil"
// resolver touch a marker file). Each must fail the gate at medium.
func TestRedTeam3Configs(t *testing.T) {
	listConfig := glob("omegaconf.listconfig", "ListConfig") + emptyTuple + newobj + emptyDict + sbu("_content") + emptyList + "s" + build
	recon := func(module, name string) string {
		return glob("copyreg", "_reconstructor") + glob(module, name) + glob("builtins", "object") + "N" + "\x87" + reduce
	}
	tests := []struct {
		name string
		data []byte
	}{
		// The slot state of a BUILD is applied with setattr, which runs a
		// property's setter: FrozenTrial.values runs list(v), iterating
		// the ListConfig (optuna 3.1 trial/_frozen.py _set_values).
		{"FrozenTrial slot state setting values to a ListConfig", cat(proto(2), recon("optuna.trial._frozen", "FrozenTrial"),
			"N", emptyDict, sbu("values"), listConfig, "s", tuple2, build, stop)},
		// Module.__setstate__ sets missing hooks with Module.__setattr__,
		// which tests name in self.__dict__["_parameters"] (and _modules,
		// _buffers): "in" iterates a ListConfig, and looks up a
		// DictConfig's key, resolving it (torch 1.13 nn/modules/module.py).
		{"Linear state whose _parameters is a ListConfig", cat(proto(2), recon("torch.nn.modules.linear", "Linear"),
			emptyDict, sbu("_parameters"), listConfig, "s", build, stop)},
		{"Linear state whose _buffers is a DictConfig", cat(proto(2), recon("torch.nn.modules.linear", "Linear"),
			emptyDict, sbu("_parameters"), emptyDict, "s", sbu("_buffers"), config, "s", build, stop)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); !any || worst < formats.Medium {
				t.Errorf("want a finding at medium or above: %s", list(rec.Findings))
			}
		})
	}
}

// TestRedTeam3Dunders: Module.__setattr__'s name in _parameters runs a
// Booster's __iter__ (it has no __contains__), reaching
// Booster.__getitem__, the listed MG118 trigger (traceback in the report).
func TestRedTeam3Dunders(t *testing.T) {
	data := cat(proto(2), glob("copyreg", "_reconstructor"), glob("torch.nn.modules.linear", "Linear"), glob("builtins", "object"), "N", "\x87", reduce,
		emptyDict, sbu("_parameters"), booster, "s", build, stop)
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("error %v", err)
	}
	if worst, any := rec.Max(); !any || worst < formats.Critical {
		t.Errorf("want a critical finding: %s", list(rec.Findings))
	}
}

// TestRedTeam3Depth: the dunder walk (maxShownDepth 8) and the config
// search (maxConfigDepth 16) stop silently at their depth bound, while
// CPython's repr of nested tuples and tuple comparison recurse to any
// depth: past the bound is clean, not inconclusive. Proofs: str of a
// Series nested 9 deep runs Series.__repr__ and to_string
// (/work/redteam3/mk5.py), sorted of configs nested 17 deep resolves them
// (mk6.py).
func TestRedTeam3Depth(t *testing.T) {
	nest := func(v string, n int) string { return v + strings.Repeat(tuple1, n) }
	tests := []sevCase{
		{"str of a Series nested 9 deep", cat(proto(2), glob("builtins", "str"), nest(series, 9), tuple1, reduce, stop), formats.High},
		{"sorted of DictConfigs nested 17 deep", cat(proto(2), glob("builtins", "sorted"), mark, nest(config, 17), nest(config, 17), "l", tuple1, reduce, stop), formats.Medium},
	}
	checkAtLeast(t, tests)
}

// TestRedTeam3Rendered: a non-builtin allowlisted callable is assumed to
// iterate, hash or compare what its arguments hold, not to render it, yet
// calling an Enum class with a value it does not know raises
// ValueError("%r is not a valid ...") (Python 3.11 enum.py Enum.__new__),
// which repr's the argument: SCMode([series]) runs Series.__repr__ and
// to_string (/work/redteam3/mk8.py, traced with the real loader).
func TestRedTeam3Rendered(t *testing.T) {
	data := cat(proto(2), glob("omegaconf.base", "SCMode"), mark, series, "l", tuple1, reduce, stop)
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("error %v", err)
	}
	if worst, any := rec.Max(); !any || worst < formats.High {
		t.Errorf("want a finding at high or above: %s", list(rec.Findings))
	}
}

package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestRedTeam2Dunders holds red-team findings against the dunder trigger
// check (MG118): each stream hands an object of a global listed in
// ecosystems/dunders.txt to its unvouched method through a route the
// machine does not follow, and CPython's unpickler runs that method (see
// the red-team report for the proofs). Each must fail the gate at the
// severity the direct trigger gets.
func TestRedTeam2Dunders(t *testing.T) {
	listConfig := glob("omegaconf.listconfig", "ListConfig") + emptyTuple + newobj + emptyDict + sbu("_content") + emptyList + "s" + build
	exc := func(arg string) string { return call1("builtins", "Exception", arg) }
	tests := []sevCase{
		// str and repr of a list, tuple or dict run repr on every item.
		{"str of a list holding a Series", cat(proto(2), glob("builtins", "str"), mark, series, "l", tuple1, reduce, stop), formats.High},
		{"str of a tuple holding a Series", cat(proto(2), glob("builtins", "str"), series, tuple1, tuple1, reduce, stop), formats.High},
		{"repr of a dict holding a Series as a value", cat(proto(2), glob("builtins", "repr"), emptyDict, sbu("k"), series, "s", tuple1, reduce, stop), formats.High},
		// BaseException.__str__ of one argument is str(args[0]); its repr
		// is repr(args).
		{"str of an Exception holding a Series", cat(proto(2), call1("builtins", "str", exc(series)), stop), formats.High},
		{"format of an Exception holding an UntypedStorage", cat(proto(2), glob("builtins", "format"), exc(storage), sbu(""), tuple2, reduce, stop), formats.Critical},
		// Comparing tuples compares their items with == first.
		{"sorted of tuples holding DictConfigs", cat(proto(2), glob("builtins", "sorted"), mark, config, k1(1), tuple2, config, k1(0), tuple2, "l", tuple1, reduce, stop), formats.Medium},
		{"max of a list of tuples holding DictConfigs", cat(proto(2), glob("builtins", "max"), mark, config, tuple1, config, tuple1, "l", tuple1, reduce, stop), formats.Medium},
		// deque(iterable) iterates like list.
		{"collections.deque of a Booster", cat(proto(2), call1("collections", "deque", booster), stop), formats.Critical},
		// torch.optim.Adam (allowed as a function for fastai's opt_func)
		// runs list(params), and list(group["params"]) for a param group.
		{"torch.optim.Adam of a Booster", cat(proto(2), call1("torch.optim.adam", "Adam", booster), stop), formats.Critical},
		{"torch.optim.Adam of a param group holding a ListConfig", cat(proto(2), glob("torch.optim.adam", "Adam"), mark, emptyDict, sbu("params"), listConfig, "s", "l", tuple1, reduce, stop), formats.Medium},
		// A BUILD state's values are read by __setstate__: pandas'
		// NDFrame.__setstate__ runs Flags(self, **state["_flags"]), which
		// reads every item of a DictConfig; flair's Dictionary.__setstate__
		// tests b"<unk>" in state["idx2item"], which iterates a ListConfig.
		{"Series BUILD state whose _flags is a DictConfig", cat(proto(2), series, emptyDict, sbu("_typ"), sbu("series"), "s", sbu("_flags"), config, "s", build, stop), formats.Medium},
		// matplotlib's Axes.__setstate__ joins the objects of
		// state["_shared_axes"][name] in a Grouper, a dict keyed by their
		// weakrefs: two equal-hashing DictConfigs are compared with __eq__.
		{"Axes BUILD state sharing two DictConfigs", cat(proto(2), glob("copyreg", "_reconstructor"), glob("matplotlib.axes._axes", "Axes"), glob("builtins", "object"), "N", "\x87", reduce,
			emptyDict, sbu("_shared_axes"), emptyDict, sbu("x"), mark, config, config, "l", "s", "s", sbu("_twinned_axes"), mark, config, "l", "s", build, stop), formats.Medium},
		{"flair Dictionary BUILD state whose idx2item is a ListConfig", cat(proto(2), glob("flair.data", "Dictionary"), emptyTuple, newobj, emptyDict, sbu("idx2item"), listConfig, "s", build, stop), formats.Medium},
	}
	checkAtLeast(t, tests)
}

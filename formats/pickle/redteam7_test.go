package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestRedteam7SetstateSelfCalls asserts that a callable a BUILD state
// stores under a name an allowed class's own __setstate__ then calls on
// the instance, or on an object the state holds, ends with a finding at
// medium or above: each was confirmed calling a __main__ marker (or the
// bound method) with /usr/bin/python3, torch 1.13, sklearn 1.2,
// matplotlib 3.6.
//
// Failing on 7f39108: the held value ends clean (a bound method, a
// class-only global) or MG117 low (a __main__ name), while loading calls
// it:
//   - torch.optim.Optimizer.__setstate__: self.__dict__.update(state),
//     then self._hook_for_profile() and self.defaults.setdefault(
//     "differentiable", False);
//   - sklearn IsotonicRegression.__setstate__: self._build_f(
//     self.X_thresholds_, self.y_thresholds_), both arguments the state's;
//   - matplotlib _process_plot_var_args.__setstate__: self.__dict__ =
//     state.copy(), then self.set_prop_cycle(None);
//   - Adam.__setstate__ (most optimizers'): self.state.values();
//   - statsmodels NegativeBinomial.__setstate__: self._initialize();
//   - Adam.__setstate__ reads state_values[0]["step"], which calls the
//     factory of a collections.defaultdict there, however it was set
//     (REDUCE, a slot state's default_factory, copyreg._reconstructor
//     with defaultdict as base, which runs base.__init__(obj, state)).
func TestRedteam7SetstateSelfCalls(t *testing.T) {
	sgd := glob("torch.optim.sgd", "SGD") + emptyTuple + newobj
	box := glob("gymnasium.spaces.box", "Box")
	marker := glob("__main__", "marker")
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	seq := glob("torch.nn.modules.container", "Sequential") + emptyTuple + newobj + emptyDict + build
	train := glob("builtins", "getattr") + seq + sbu("train") + tuple2 + reduce
	opt := func(x string) []byte {
		return cat(proto(2), sgd, emptyDict, sbu("defaults"), emptyDict, "s", sbu("_hook_for_profile"), x, "s", build, stop)
	}
	iso := func(x string) []byte {
		return cat(proto(2), glob("sklearn.isotonic", "IsotonicRegression"), emptyTuple, newobj, emptyDict,
			sbu("_build_f"), x, "s", sbu("X_thresholds_"), sbu("/tmp/x"), "s", sbu("y_thresholds_"), sbu("y"), "s", build, stop)
	}
	// Adam.__setstate__ reads state_values[0]["step"]: a defaultdict
	// there calls its factory for the missing key.
	dd := glob("collections", "defaultdict")
	adamState := func(x string) []byte {
		return cat(proto(2), glob("torch.optim.adam", "Adam"), emptyTuple, newobj, emptyDict, sbu("defaults"), emptyDict, "s",
			sbu("param_groups"), emptyList, "s", sbu("state"), emptyDict, k1(0), x, "s", "s", build, stop)
	}
	adamDefault := func(x string) []byte { return adamState(dd + x + tuple1 + reduce) }
	mustFail(t, map[string][]byte{
		"Optimizer _hook_for_profile a class":         opt(box),
		"Optimizer _hook_for_profile a __main__ name": opt(marker),
		"Optimizer _hook_for_profile a bound method":  opt(train),
		"Optimizer defaults whose setdefault a class": cat(proto(2), sgd, emptyDict, sbu("defaults"), ns, emptyDict, sbu("setdefault"), box, "s", build, "s", build, stop),
		"Optimizer defaults item setdefault a class":  cat(proto(2), sgd, emptyDict, sbu("defaults"), glob("easydict", "EasyDict"), emptyTuple, newobj, sbu("setdefault"), box, "s", "s", build, stop),
		"Optimizer _hook_for_profile a class then data": cat(proto(2), sgd, emptyDict, sbu("defaults"), emptyDict, "s", sbu("_hook_for_profile"), box, "s", build,
			emptyDict, sbu("_hook_for_profile"), k1(0), "s", build, stop),
		"Adam state whose values a class": cat(proto(2), glob("torch.optim.adam", "Adam"), emptyTuple, newobj, emptyDict, sbu("defaults"), emptyDict, "s",
			sbu("param_groups"), emptyList, "s", sbu("state"), ns, emptyDict, sbu("values"), box, "s", build, "s", build, stop),
		"Adam state whose values a bound method": cat(proto(2), glob("torch.optim.adam", "Adam"), emptyTuple, newobj, emptyDict, sbu("defaults"), emptyDict, "s",
			sbu("param_groups"), emptyList, "s", sbu("state"), ns, emptyDict, sbu("values"), train, "s", build, "s", build, stop),
		"NegativeBinomial _initialize a __main__ name": cat(proto(2), glob("statsmodels.discrete.discrete_model", "NegativeBinomial"), emptyTuple, newobj, emptyDict,
			sbu("_initialize"), marker, "s", build, stop),
		"Adam state defaultdict whose factory a class":                 adamDefault(box),
		"Adam state defaultdict whose factory a __main__ name":         adamDefault(marker),
		"Adam state defaultdict whose factory a bound method":          adamDefault(train),
		"Adam state defaultdict whose slot state sets a class factory": adamState(dd + emptyTuple + newobj + "N" + emptyDict + sbu("default_factory") + box + "s" + tuple2 + build),
		"Adam state defaultdict a reconstructor gives a class factory": adamState(glob("copyreg", "_reconstructor") + dd + dd + box + "\x87" + reduce),
		"IsotonicRegression _build_f a class":                          iso(box),
		"IsotonicRegression _build_f a __main__ name":                  iso(marker),
		"plot var args set_prop_cycle a __main__ name": cat(proto(2), glob("matplotlib.axes._base", "_process_plot_var_args"), emptyTuple, newobj, emptyDict,
			sbu("set_prop_cycle"), marker, "s", build, stop),
	})
}

// TestRedteam7CallableValues asserts that Adam.__setstate__'s
// self.state.values() call is judged when the values attribute holds a
// callable instance: a torch.nn.Module (its call runs the forward and the
// hooks its state holds) or a functools.partial. An array there, the data
// a values attribute holds, stays clean.
//
// Failing on 574189b: both passed (only globals and bound methods counted
// as callable there).
func TestRedteam7CallableValues(t *testing.T) {
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	adam := func(x string) []byte {
		return cat(proto(2), glob("torch.optim.adam", "Adam"), emptyTuple, newobj, emptyDict, sbu("defaults"), emptyDict, "s",
			sbu("param_groups"), emptyList, "s", sbu("state"), ns, emptyDict, sbu("values"), x, "s", build, "s", build, stop)
	}
	module := glob("torch.nn.modules.container", "Sequential") + emptyTuple + newobj + emptyDict + build
	partial := glob("functools", "partial") + glob("builtins", "len") + tuple1 + reduce
	array := glob("numpy.core.multiarray", "_reconstruct") + glob("numpy", "ndarray") + k1(0) + tuple1 + sbu("b") + "\x87" + reduce
	runRuleCases(t, []ruleCase{
		{"values a Module", adam(module), RuleComputedCall},
		{"values a partial", adam(partial), RuleComputedCall},
		{"values an array", adam(array), ""},
	})
}

// TestRedteam7BoundMethodRepr asserts that a bound method of an instance
// whose __repr__ the generator does not vouch for, handed to a builtin
// that renders it, brings that instance's finding: a bound method's repr
// is "<bound method ... of repr(obj)>". Confirmed with /usr/bin/python3 and
// pandas 1.5: loading str(series.copy), as pickle writes it, runs
// Series.__repr__.
//
// Failing on 7f39108: clean (the getattr result is the reference-only
// method, and the dunder walk sees no instance).
func TestRedteam7BoundMethodRepr(t *testing.T) {
	series := glob("pandas.core.series", "Series") + emptyTuple + newobj + emptyDict + build
	copyOf := glob("builtins", "getattr") + series + sbu("copy") + tuple2 + reduce
	for name, data := range map[string][]byte{
		"str of series.copy":    cat(proto(2), glob("builtins", "str"), copyOf, tuple1, reduce, stop),
		"format of series.copy": cat(proto(2), glob("builtins", "format"), copyOf, tuple1, reduce, stop),
	} {
		t.Run(name, func(t *testing.T) {
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); !any || worst < formats.Medium {
				t.Errorf("passes: %s", list(rec.Findings))
			}
		})
	}
}

// TestRedteam7RenderedAttributeCalls asserts that rendering an allowed
// instance whose vouched __repr__ calls methods of its attributes ends
// with a finding when an attribute object stores a callable under such a
// name. Confirmed with /usr/bin/python3 and torch 1.13: str(Normal) runs
// Distribution.__repr__, which calls self.arg_constraints.items() and
// self.loc.numel(), each a __main__ marker stored on a Namespace.
//
// Failing on 7f39108: MG117 low (the __main__ name held), clean for a
// class-only global.
func TestRedteam7RenderedAttributeCalls(t *testing.T) {
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	normal := func(attr, method, v string) []byte {
		return cat(proto(2), glob("builtins", "str"), glob("torch.distributions.normal", "Normal"), emptyTuple, newobj,
			emptyDict, sbu(attr), ns, emptyDict, sbu(method), v, "s", build, "s", build, tuple1, reduce, stop)
	}
	for name, data := range map[string][]byte{
		"arg_constraints items a __main__ name": normal("arg_constraints", "items", glob("__main__", "marker")),
		"arg_constraints items a class":         normal("arg_constraints", "items", glob("gymnasium.spaces.box", "Box")),
		"loc numel a __main__ name":             normal("loc", "numel", glob("__main__", "marker")),
	} {
		t.Run(name, func(t *testing.T) {
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); !any || worst < formats.Medium {
				t.Errorf("passes: %s", list(rec.Findings))
			}
		})
	}
}

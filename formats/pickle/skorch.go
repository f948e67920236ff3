package pickle

import (
	"github.com/modelgate/modelgate/formats"
)

// skorchNets are skorch's net classes (allow.tsv, ecosystem skorch):
// NeuralNet.__setstate__ unpickles state["__cuda_dependent_attributes__"]
// (before 0.6, the bytes under state["cuda_dependent_attributes_"])
// (the module_, criterion_ and optimizer_ a net keeps apart from its
// other attributes) with a plain pickle.Unpickler, whose
// torch.storage._load_from_bytes runs torch.load with the state's
// torch_load_kwargs (skorch >= 1.1, commit be93b77); older versions
// torch.load the bytes with map_location only, which before torch 2.6
// unpickles without restriction. Either way those bytes are an
// unrestricted pickle, scanned here as a nested one with the whole policy.
var skorchNets = map[string]bool{
	"skorch.net.NeuralNet":                        true,
	"skorch.classifier.NeuralNetClassifier":       true,
	"skorch.classifier.NeuralNetBinaryClassifier": true,
	"skorch.regressor.NeuralNetRegressor":         true,
}

// skorchLoadKwargs are the torch_load_kwargs keys a skorch net's state
// may carry: torch.load reads weights_only and mmap as flags. Any other
// key goes to torch.load too, and pickle_module picks the object whose
// load and Unpickler it calls.
var skorchLoadKwargs = map[string]bool{"weights_only": true, "mmap": true}

// buildSkorch scans the nested pickle of a skorch net's BUILD state and
// checks the torch.load arguments that state hands on.
func (m *machine) buildSkorch(off int64, obj, state Value) {
	cls, ok := builtClass(obj)
	if !ok {
		return
	}
	full := cls.gobj().module + "." + cls.gobj().name
	if !skorchNets[full] {
		return
	}
	loader := full + ".__setstate__ (pickle.Unpickler and torch.load)"
	if state.kind != KindDict || !constantKeys(state) {
		m.report(formats.NewFinding(RuleNestedPickle, off,
			"%s is handed a %s state whose keys are not all constant strings: its __cuda_dependent_attributes__ cannot be told apart", loader, state.kind).
			With("loader", loader))
		return
	}
	// Which key __setstate__ reads is the loading skorch's choice: 0.6 and
	// later read __cuda_dependent_attributes__ (95c82c9), earlier ones
	// the bytes under cuda_dependent_attributes_, which later versions
	// keep as a list of attribute prefixes. Both payloads are scanned.
	cur, old := lastValue(state, "__cuda_dependent_attributes__"), lastValue(state, "cuda_dependent_attributes_")
	if cur.kind != kindAbsent || (old.kind != KindBytes && old.kind != KindStr) {
		m.nestedPayload(off, loader, cur)
	}
	if old.kind == KindBytes || old.kind == KindStr {
		m.nestedPayload(off, loader, old)
	}
	kw := lastValue(state, "torch_load_kwargs")
	switch kw.kind {
	case kindAbsent, KindNone:
		return
	case KindDict:
		cells := kw.cells()
		if int64(kw.nkept()) == 2*kw.Len() {
			bad := false
			for i := 0; i+1 < len(cells); i += 2 {
				k, v := kw.t.val(cells[i]), kw.t.val(cells[i+1])
				name, _ := k.Text()
				if k.kind != KindStr || !skorchLoadKwargs[name] || (v.kind != KindBool && v.kind != KindNone) {
					bad = true
				}
			}
			if !bad {
				return
			}
		}
	}
	m.report(formats.NewFinding(RuleNestedPickle, off,
		"%s passes torch_load_kwargs %s to torch.load: only constant weights_only and mmap flags are known (pickle_module picks the unpickler)", loader, kw).
		With("loader", loader).With("torch_load_kwargs", kw.String()))
}

// constantKeys reports whether the machine kept every item of dict d and
// each key is a constant string: a computed key (a str call, "".join)
// may name any entry.
func constantKeys(d Value) bool {
	if !kept(d) {
		return false
	}
	cells := d.cells()
	for i := 0; i < len(cells); i += 2 {
		if d.t.val(cells[i]).kind != KindStr {
			return false
		}
	}
	return true
}

// lastValue returns the value of key in a dict state, as Python keeps it:
// the last item set under it wins. An item the machine did not keep
// leaves the result absent, so a payload cannot hide behind it.
func lastValue(d Value, key string) Value {
	if !kept(d) {
		return Value{}
	}
	var v Value
	cells := d.cells()
	for i := 0; i+1 < len(cells); i += 2 {
		if k := d.t.val(cells[i]); k.kind == KindStr {
			if s, ok := k.Text(); ok && s == key {
				v = d.t.val(cells[i+1])
			}
		}
	}
	return v
}

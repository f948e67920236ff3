package pickle

import (
	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Instance attributes the unpickler looks up on an object by ordinary
// attribute lookup, where an instance attribute shadows the class's method,
// and calls (CPython 3.11 Modules/_pickle.c and Lib/pickle.py):
//
//   - __setstate__: BUILD calls getattr(inst, "__setstate__")(state) when it
//     exists. object has no __setstate__ (only __getstate__, from 3.11), and
//     a class's own __setstate__ is a function, a non-data descriptor, so an
//     entry in the instance's __dict__ wins over it: torch.nn.Module's
//     __setstate__ updates __dict__ with the first BUILD's state, and a
//     second BUILD calls what that state stored.
//   - extend, append: APPENDS on anything but an exact list calls
//     obj.extend(items) when it exists, else obj.append per item; the C
//     unpickler does the same for APPEND, pickle.py (joblib's unpickler)
//     calls obj.append(item).
//   - add: ADDITEMS on anything but a set (or subclass) calls obj.add per
//     item.
//   - keys, items: not the unpickler's own lookups, but those of what
//     reads an object as a mapping at load: dict(obj) and dict.update(obj)
//     (a __setstate__ such as gym's Space or torch.nn.Module's) call
//     obj.keys(), the C OrderedDict obj.items() when there is no keys,
//     pickle.py's BUILD state.items() (machine.go stateReads); mmengine's
//     ConfigDict._hook calls ConfigDict(item), which calls item.items(),
//     for an OrderedDict item (cfgholders.go).
//   - update: not the unpickler's either: addict's __setstate__ (and the
//     mmcv and mmengine ConfigDicts') is update(state), which calls
//     self[k].update(v) for a dict item and a dict value (cfgholders.go).
//   - _hook_for_profile, setdefault, _build_f, set_prop_cycle, _initialize,
//     values, default_factory: the names an allowed class's own __setstate__ calls after it
//     installed the state as __dict__, where the state's entry wins over
//     the method: torch.optim.Optimizer's calls self._hook_for_profile()
//     and self.defaults.setdefault("differentiable", False), Adam's (and
//     most optimizers') group.setdefault(...) for each of its param_groups
//     and self.state.values() (torch 1.13), scikit-learn
//     IsotonicRegression's self._build_f(self.X_thresholds_,
//     self.y_thresholds_) (1.2), matplotlib _process_plot_var_args's
//     self.set_prop_cycle(None) (3.6), statsmodels NegativeBinomial's
//     self._initialize() (0.13). The class is not needed: no pickler
//     writes a callable under these names, so setting one on any instance
//     is taken as its call (the instance may become another's defaults or
//     state). default_factory is not a method but a defaultdict's slot,
//     which a slot state sets and a read of a missing key calls (Adam's
//     __setstate__ reads state_values[0]["step"]). wrap_output is not
//     called at load either: statsmodels' ResultsWrapper answers every
//     attribute read (res.params) with
//     results.model.data.wrap_output(value, *how), how from the wrapper's
//     _wrap_attrs, which BUILD may set too (statsmodels/base/wrapper.py,
//     0.13); only ModelData's own method is ever pickled there. (The
//     attach_<how> methods ModelData's wrap_output calls in turn need a
//     ModelData, which is denied.) values is a common data attribute (an array): only a global,
//     a getattr result (a bound method) or a lost value held there is.
//
// SETITEM(S) calls type(obj).__setitem__ (a type slot: an instance
// attribute is not consulted), and find_class and persistent_load are the
// unpickler's, not the object's. BUILD sets these attributes from its dict
// state (copied into __dict__) and its slot state (setattr, which can also
// replace __dict__ with a dict the pickle keeps filling, or __class__).
// Classes that map attributes to items (Lightning's AttributeDict, EasyDict,
// Munch, Box, ml_collections' ConfigDict ...) answer the lookup from an
// item, so SETITEM(S) on an instance sets them too; no benign pickle stores
// a callable under these names in a mapping or APPENDS to one, so every
// instance is treated alike rather than by a list of such classes.
const (
	hookSetstate = iota
	hookExtend
	hookAppend
	hookAdd
	hookKeys
	hookItems
	hookUpdate
	// The hooks from here on are called when set (setstateCalled).
	hookProfile
	hookSetdefault
	hookBuildF
	hookPropCycle
	hookInitialize
	hookStateValues
	hookFactory
	hookWrapOutput
	nHooks
)

var hookNames = [nHooks]string{"__setstate__", "extend", "append", "add", "keys", "items", "update",
	"_hook_for_profile", "setdefault", "_build_f", "set_prop_cycle", "_initialize", "values", "default_factory",
	"wrap_output"}

// setstateCalled reports whether hook h is one an allowed class's
// __setstate__ calls as soon as a BUILD state sets it: holding one is
// reported as its call (flushHooks).
func setstateCalled(h int) bool { return h >= hookProfile }

// Object flags (object.flags) for dicts whose later items may become an
// instance's attributes, for dicts that received a hook name with a
// callable value beyond the items they keep, for instances BUILT more
// than once (only the last state is kept), for instances given items by
// APPEND(S), SETITEM(S) or ADDITEMS, which are not kept (dunders.go), and
// for containers that received, beyond the items they keep, one that is
// not a plain scalar (lostObject), and for containers a config holds
// (cfgplain.go).
const (
	flagAttrDict uint32 = 1 << iota
	flagLostSetstate
	flagLostExtend
	flagLostAppend
	flagLostAdd
	flagLostKeys
	flagLostItems
	flagLostUpdate
	flagLostProfile
	flagLostSetdefault
	flagLostBuildF
	flagLostPropCycle
	flagLostInitialize
	flagLostValues
	flagLostFactory
	flagLostWrapOutput
	flagRebuilt
	flagItems
	flagLostObject
	flagCfgHeld
	flagCallableDefault
)

// lostObject reports whether items a container does not keep include one
// that is not a str, bytes, number, bool or None: only such an item can be
// an object whose methods the dunder and config walks look for.
func lostObject(items []cell) bool {
	for _, c := range items {
		switch c.kind {
		case KindStr, KindBytes, KindInt, KindBigInt, KindFloat, KindBool, KindNone:
		default:
			return true
		}
	}
	return false
}

// hookSet is what one instance's attributes hold under the hook names: a
// callable cell (kindAbsent when unset or set to data, which is never
// called), or lost when the value was beyond a container's kept items.
type hookSet struct {
	inst   cell
	held   [nHooks]cell
	lost   [nHooks]bool
	off    [nHooks]int64
	called bool // the held __setstate__ was called by a BUILD
}

// maxHooks bounds the instances whose hook attributes are tracked and the
// dicts tracked as instance dicts; beyond it a hook is reported when set.
const maxHooks = maxPartials

// hookLength reports whether c is a kept str as long as a hook name: the
// cheap test that every dict key and instance item passes through.
func hookLength(c cell) bool {
	return c.kind == KindStr && c.aux&1 != 0 && uint64(c.n) < 18 && (1<<3|1<<4|1<<5|1<<6|1<<8|1<<10|1<<11|1<<12|1<<14|1<<15|1<<17)>>c.n&1 != 0
}

// hookIndex returns the hook a dict key names, or -1.
func hookIndex(k Value) int {
	if hookLength(k.cell) {
		switch k.chars() {
		case "__setstate__":
			return hookSetstate
		case "extend":
			return hookExtend
		case "append":
			return hookAppend
		case "add":
			return hookAdd
		case "keys":
			return hookKeys
		case "items":
			return hookItems
		case "update":
			return hookUpdate
		case "_hook_for_profile":
			return hookProfile
		case "setdefault":
			return hookSetdefault
		case "_build_f":
			return hookBuildF
		case "set_prop_cycle":
			return hookPropCycle
		case "_initialize":
			return hookInitialize
		case "values":
			return hookStateValues
		case "default_factory":
			return hookFactory
		case "wrap_output":
			return hookWrapOutput
		}
	}
	return -1
}

// instance reports whether v is an object the pickle made whose attributes
// the machine can track.
func instance(v Value) bool {
	switch v.kind {
	case KindCall, KindPersistent, KindExt:
		return !v.inline() && v.ref != 0
	}
	return false
}

func (m *machine) hooksOf(inst Value) *hookSet {
	if i, ok := m.hookIdx[inst.ref]; ok {
		return &m.hookList[i]
	}
	return nil
}

// hold records that the attribute hook of inst now holds c.
func (m *machine) hold(off int64, inst Value, h int, c cell, lost bool) {
	if h == hookStateValues && !lost && !callableHeld(m.t.val(c)) {
		// Only a callable values attribute is taken as called
		// (flushHooks): an array, which every tree of a forest keeps,
		// takes no slot, and does not undo what an earlier BUILD set.
		return
	}
	s := m.hooksOf(inst)
	if !lost && isData(m.t.val(c)) {
		// Data set later does not undo the call a setstateCalled hook's
		// first BUILD made.
		if s != nil && !setstateCalled(h) {
			s.held[h], s.lost[h] = cell{}, false
		}
		return
	}
	if s == nil {
		if len(m.hookList) >= maxHooks {
			// Too many hooked instances to follow: what is set is taken as
			// called now, a finding rather than a gap.
			m.hookCall(off, opBUILD, h, inst, m.t.val(c), lost, m.container(KindTuple, nil))
			return
		}
		if m.hookIdx == nil {
			m.hookIdx = make(map[uint32]int32)
		}
		m.hookIdx[inst.ref] = int32(len(m.hookList))
		m.hookList = append(m.hookList, hookSet{inst: inst.cell})
		s = &m.hookList[len(m.hookList)-1]
	}
	s.held[h], s.lost[h], s.off[h] = c, lost, off
	if h == hookSetstate {
		s.called = false
	}
}

// setAttrs applies the key, value pairs of a dict (items, as kept) to the
// attributes of inst; slot is set for a BUILD slot state, which setattr
// applies and which can replace __class__ and __dict__. ref is the dict's
// object, whose flags tell of hook names beyond its kept items, or 0.
// attrs is set where the items are attributes (a BUILD state, an
// installed __dict__), not items an instance answers lookups from: a
// computed key there may name a hook. It reports whether a hook name was
// among the items.
func (m *machine) setAttrs(off int64, inst Value, items []cell, ref uint32, slot, attrs bool) (named bool) {
	for i := 0; i+1 < len(items); i += 2 {
		switch items[i].kind {
		case KindStr:
		case KindGlobal, KindCall, KindPersistent, KindExt, KindBuffer:
			// A computed key (str("append"), a module's str constant) may
			// name any hook: what it holds is taken as each, unless it is
			// data, which must not clear a hook a constant key set.
			if attrs && !isData(m.t.val(items[i+1])) {
				for h := 0; h < nHooks; h++ {
					m.hold(off, inst, h, items[i+1], false)
				}
				named = true
			}
			continue
		default:
			continue
		}
		k := m.t.val(items[i])
		if h := hookIndex(k); h >= 0 {
			m.hold(off, inst, h, items[i+1], false)
			named = true
			continue
		}
		if !slot || k.kind != KindStr || !k.inline() || k.n != 8 && k.n != 9 {
			continue
		}
		v := m.t.val(items[i+1])
		switch k.chars() {
		case "__class__":
			m.setClass(off, inst, v)
		case "__dict__":
			m.attrsFrom(off, inst, v, false, true)
		}
	}
	if ref == 0 {
		return
	}
	if o := m.t.objs.at(ref); o.flags&^flagAttrDict != 0 {
		for h := 0; h < nHooks; h++ {
			if o.flags&(flagLostSetstate<<h) == 0 {
				continue
			}
			if c, ok := m.lostHooks[lostHook{ref, uint8(h)}]; ok {
				m.hold(off, inst, h, c, false)
			} else {
				m.hold(off, inst, h, cell{}, true)
			}
			named = true
		}
	}
	return named
}

// lostHook is a hook name in a dict beyond the items the dict keeps.
type lostHook struct {
	dict uint32
	hook uint8
}

// attrDict marks dict d as one whose later items are attributes of inst:
// the instance dict a slot state installed, or a BUILD state a class's
// __setstate__ may install as __dict__ itself.
func (m *machine) attrDict(inst, d Value) {
	o := d.obj()
	if o == nil {
		return
	}
	o.flags |= flagAttrDict
	if _, ok := m.attrDicts[d.ref]; ok || len(m.attrDicts) >= maxHooks {
		return
	}
	if m.attrDicts == nil {
		m.attrDicts = make(map[uint32]cell)
	}
	m.attrDicts[d.ref] = inst.cell
}

// dictItems notes items SETITEM(S) or DICT put in dict o from the pair at
// index from on: hook names beyond what the dict keeps, and items of a
// dict that is an instance's attributes.
func (m *machine) dictItems(off int64, ref uint32, o *object, items []cell, kept int) {
	for i := kept &^ 1; i+1 < len(items); i += 2 {
		h := hookIndex(m.t.val(items[i]))
		if h < 0 {
			continue
		}
		k := lostHook{ref, uint8(h)}
		if isData(m.t.val(items[i+1])) {
			// A later item of the same name replaces the earlier.
			o.flags &^= flagLostSetstate << h
			delete(m.lostHooks, k)
			continue
		}
		o.flags |= flagLostSetstate << h
		if _, ok := m.lostHooks[k]; ok || len(m.lostHooks) < maxHooks {
			if m.lostHooks == nil {
				m.lostHooks = make(map[lostHook]cell)
			}
			m.lostHooks[k] = items[i+1]
		}
	}
	if o.flags&flagAttrDict == 0 {
		return
	}
	if c, ok := m.attrDicts[ref]; ok {
		m.setAttrs(off, m.t.val(c), items, 0, false, true)
		return
	}
	// An instance dict beyond maxHooks: a hook set in it is taken as
	// called now.
	for i := 0; i+1 < len(items); i += 2 {
		if h := hookIndex(m.t.val(items[i])); h >= 0 && !isData(m.t.val(items[i+1])) {
			m.hookCall(off, opSETITEM, h, m.t.objValue(KindDict, ref), m.t.val(items[i+1]), false, m.container(KindTuple, nil))
		}
	}
}

// setClass judges a slot state's __class__: setattr makes inst an instance
// of v (when the layouts agree), whose __setstate__, extend, append, add,
// __setattr__ and __del__ then run on it, as for an instance NEWOBJ built.
func (m *machine) setClass(off int64, inst, v Value) {
	switch {
	case v.kind == KindGlobal && !v.gobj().dynamic:
		m.use(off, v, globals.UseClass, m.callValue(opBUILD, v, m.container(KindTuple, nil)))
	case isData(v):
		// CPython: __class__ must be set to a class.
	default:
		m.once("computed-call", func() formats.Finding {
			f := formats.NewFinding(RuleComputedCall, off, "BUILD sets the class of %s to %s, computed at load time", inst, v).
				With("call", v.String()).With("hook", "__class__")
			if v.kind == KindGlobal {
				f = f.At(formats.Critical)
			}
			return f
		})
	}
}

// callValue makes the value of a call of fn with args, for rendering.
func (m *machine) callValue(op byte, fn, args Value) Value {
	ref, o := m.t.newObjectOf([]cell{fn.cell, args.cell})
	o.op = op
	return m.t.objValue(KindCall, ref)
}

// hookCall records the call of the hook attribute of inst, holding fn
// (unknown when lost), with args: a global is called as a function, with
// what that means for its verdict; anything else is a computed call.
func (m *machine) hookCall(off int64, op byte, h int, inst, fn Value, lost bool, args Value) {
	if !lost && fn.kind == KindGlobal && !fn.gobj().dynamic {
		m.call(off, op, fn, args, Value{})
		return
	}
	m.once("computed-call", func() formats.Finding {
		what := fn.String()
		if lost {
			what = "a value beyond the items the scan keeps"
		}
		f := formats.NewFinding(RuleComputedCall, off, "%s calls %s, which the pickle stored as the %s attribute of %s",
			opName(op), what, hookNames[h], inst).With("hook", hookNames[h]).With("target", inst.String())
		if !lost {
			f = f.With("call", m.callValue(op, fn, args).String())
			if fn.kind == KindGlobal {
				f = f.At(formats.Critical)
			}
		}
		return f
	})
}

// buildHooks runs before BUILD applies state to inst: a held __setstate__
// is called with the state. The state's dict and slot state then set
// attributes (also after a call, which CPython leaves to the hook: the
// machine cannot be sure the hook was not a class's data descriptor).
func (m *machine) buildHooks(off int64, inst, state Value) {
	if s := m.hooksOf(inst); s != nil && (s.held[hookSetstate].kind != kindAbsent || s.lost[hookSetstate]) {
		s.called = true
		m.hookCall(off, opBUILD, hookSetstate, inst, m.t.val(s.held[hookSetstate]), s.lost[hookSetstate],
			m.container(KindTuple, []cell{state.cell}))
	}
	switch state.kind {
	case KindTuple:
		if state.count() == 2 && state.nkept() == 2 {
			m.attrsFrom(off, inst, state.at(0), false, true)
			m.attrsFrom(off, inst, state.at(1), true, false)
		}
	default:
		m.attrsFrom(off, inst, state, false, true)
	}
}

// attrsFrom applies d, a BUILD dict state or slot state (slot) or a
// __dict__ a slot state installed, to the attributes of inst; alias marks
// d as a dict whose later items are attributes of inst too. CPython takes
// a dict subclass in each place (PyDict_Check) and reads its items, which
// SETITEM(S) set: the hooks recorded on such an instance carry over.
func (m *machine) attrsFrom(off int64, inst, d Value, slot, alias bool) {
	switch {
	case d.kind == KindDict && !d.inline():
		m.setAttrs(off, inst, d.cells(), d.ref, slot, true)
	case instance(d) && d.ref != inst.ref:
		if s := m.hooksOf(d); s != nil {
			// Copied: hold may grow hookList, which s points into.
			held, lost, offs := s.held, s.lost, s.off
			for h := range held {
				if held[h].kind != kindAbsent || lost[h] {
					m.hold(offs[h], inst, h, held[h], lost[h])
				}
			}
		}
	default:
		return
	}
	if alias {
		m.attrDict(inst, d)
	}
}

// itemHooks runs for APPEND(S), ADDITEMS and SETITEM(S) applied to an
// instance: the first three call its held extend, append or add with the
// items; SETITEM(S) sets items, which attribute-mapping classes answer
// attribute lookups from.
func (m *machine) itemHooks(off int64, op byte, inst Value, items []cell) {
	switch op {
	case opSETITEM, opSETITEMS:
		if m.setAttrs(off, inst, items, 0, false, false) {
			if c, ok := m.attrDicts[inst.ref]; ok {
				// A dict subclass installed as another instance's
				// __dict__ or BUILD state.
				m.setAttrs(off, m.t.val(c), items, 0, false, true)
			}
		}
		return
	}
	s := m.hooksOf(inst)
	if s == nil {
		return
	}
	call := func(h int, args Value) {
		if s.held[h].kind != kindAbsent || s.lost[h] {
			m.hookCall(off, op, h, inst, m.t.val(s.held[h]), s.lost[h], args)
		}
	}
	if op == opADDITEMS {
		if len(items) > 0 {
			call(hookAdd, m.container(KindTuple, items[:1]))
		}
		return
	}
	// Both: the C unpickler prefers extend, pickle.py's APPEND calls
	// append.
	call(hookExtend, m.container(KindTuple, []cell{m.container(KindList, items).cell}))
	if len(items) > 0 {
		call(hookAppend, m.container(KindTuple, items[:1]))
	}
}

// callableHeld reports a held value whose call runs code: a global, a
// bound method (a getattr call), a partial or a torch.nn.Module instance;
// what a data attribute such as an array never holds.
func callableHeld(v Value) bool {
	if v.kind == KindGlobal {
		return true
	}
	if v.kind != KindCall || v.nkept() < 1 {
		return false
	}
	fn := v.at(0)
	if fn.kind == KindGlobal && !fn.gobj().dynamic {
		switch fn.gobj().module + "." + fn.gobj().name {
		case "builtins.getattr", "functools.partial":
			// A bound method, or a partial, whose call calls its function.
			return true
		}
	}
	// A torch.nn.Module instance: calling it runs the hooks and forward
	// its state holds.
	cls, ok := builtClass(v)
	return ok && plainState[cls.gobj().module+"."+cls.gobj().name] == plainModule
}

// flushHooks reports each __setstate__ an instance attribute still holds
// that no BUILD called, and each hook an allowed __setstate__ calls when
// set (setstateCalled), reported here so that a call the stream itself
// makes (APPEND of a computed "append" key's value) is recorded first. No pickler writes an instance attribute of that
// name, and the object can be built again where the machine does not see
// it is the same (persistent_load returns one storage for each key, torch
// caches them), so setting it is taken as the call.
func (m *machine) flushHooks() {
	for i := range m.hookList {
		s := &m.hookList[i]
		for h := range s.held {
			if h == hookSetstate && s.called || h != hookSetstate && !setstateCalled(h) || s.held[h].kind == kindAbsent && !s.lost[h] {
				continue
			}
			if h == hookStateValues && !s.lost[h] && !callableHeld(m.t.val(s.held[h])) {
				continue
			}
			m.hookCall(s.off[h], opBUILD, h, m.t.val(s.inst), m.t.val(s.held[h]), s.lost[h], m.container(KindTuple, nil))
		}
	}
	m.hookList = m.hookList[:0]
	clear(m.hookIdx)
	clear(m.attrDicts)
	clear(m.cfgHeld)
	m.cfgLast = cell{}
	clear(m.lostHooks)
}

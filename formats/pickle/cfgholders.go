package pickle

import (
	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// missingAttrClasses are allowlisted training-config classes whose
// __getattr__ answers a name the instance lacks with something the pickle
// chose (see allow.tsv's training-config section): addict's Dict (and the
// mmcv and mmengine ConfigDicts built on it) returns an item, or for a
// missing one a new child Dict; Munch's DefaultMunch its default;
// ml_collections' ConfigDict a field (a FieldReference's get() runs its
// ops); mmcv's and mmengine's Config delegate to their _cfg_dict; yacs
// CfgNodes and Munch return an item; cmdstanpy's fits return a Stan
// variable, which CmdStanMCMC reads from the run's CSV files. APPEND(S) looks up extend or append
// and ADDITEMS add on anything but a list or set, so the unpickler calls
// what that lookup returns with the pickle's items. No pickler writes
// these opcodes for such an object, so any is reported.
var missingAttrClasses = func() map[string]bool {
	m := map[string]bool{
		"cmdstanpy.stanfit.mle.CmdStanMLE":   true,
		"cmdstanpy.stanfit.mcmc.CmdStanMCMC": true,
		"cmdstanpy.stanfit.CmdStanMLE":       true,
		"cmdstanpy.stanfit.CmdStanMCMC":      true,
	}
	// Every training-config class but FieldReference, which is no mapping.
	for c := range configFamilies {
		if c != "ml_collections.config_dict.config_dict.FieldReference" {
			m[c] = true
		}
	}
	return m
}()

// missingAttrs reports APPEND, APPENDS or ADDITEMS applied to an instance
// of a missingAttrClasses class as a use its allowlist entry does not
// permit (MG116): the call's target is whatever the class's __getattr__
// answers for extend, append or add.
func (m *machine) missingAttrs(off int64, op byte, inst Value) {
	if m.probe {
		return
	}
	cls, ok := builtClass(inst)
	if !ok || !missingAttrClasses[cls.gobj().module+"."+cls.gobj().name] {
		return
	}
	if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = cls.String()+" instance given items by "+opName(op)+
			", which calls what its __getattr__ answers for extend, append or add",
			off, globals.UseFunction
	}
}

// statisticsHolders are allowlisted classes whose __setstate__ keeps the
// callables of one dict of its BUILD state, which the library later calls
// with the instance: mmengine's HistoryBuffer merges
// state["statistics_methods"] into the class-wide _statistics_methods,
// and statistics(name) calls the method registered under name.
var statisticsHolders = map[string]string{
	"mmengine.logging.history_buffer.HistoryBuffer": "statistics_methods",
}

// heldStatistics judges each value of a statisticsHolders BUILD state's
// method dict as a call: a global must be allowed as a function, and an
// object the pickle computed is a computed call. Values beyond the items
// the scan keeps make the stream inconclusive.
func (m *machine) heldStatistics(off int64, obj, state Value) {
	if m.probe {
		return
	}
	cls, ok := builtClass(obj)
	if !ok {
		return
	}
	key, ok := statisticsHolders[cls.gobj().module+"."+cls.gobj().name]
	if !ok {
		return
	}
	methods := dictValue(state, key)
	switch methods.kind {
	case kindAbsent, KindNone:
		return
	case KindDict:
	default:
		// dict.update takes the pairs of a list or the keys and items of
		// any mapping: values the scan does not follow.
		if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
			g.misuse, g.misuseOff, g.misuseUse = cls.String()+" built with a "+key+" that is a "+methods.kind.String()+
				", whose values its __setstate__ registers as methods the library calls", off, globals.UseFunction
		}
		return
	}
	if methods.count() > int64(methods.nkept()) && lostItems(methods) {
		if m.fatal == nil {
			m.fatal = &formats.LimitError{Limit: "pickle-items", Max: int64(m.maxItems)}
		}
		return
	}
	cells := methods.cells()
	for i := 1; i < len(cells); i += 2 {
		switch v := m.t.val(cells[i]); v.kind {
		case KindGlobal, KindCall, KindPersistent, KindExt, KindBuffer:
			m.call(off, opBUILD, v, Value{cell: cell{kind: KindTuple, aux: 1}}, Value{})
		}
	}
}

// stateShape is the BUILD state a config class's __setstate__ is written
// for; any other state makes it iterate, index or call methods of an
// object the pickle chose (dict(state), state[0], state["_fields"]).
type stateShape uint8

const (
	// shapeDict: a dict (Munch's clear and update, HistoryBuffer's pop,
	// ml_collections' ConfigDict, whose _fields is a dict too).
	shapeDict stateShape = iota + 1
	// shapeDefault: DefaultMunch's (default, items dict).
	shapeDefault
	// shapeSelf: addict's __getstate__ returns the instance itself, which
	// __setstate__ merges with update(); a dict is read the same way.
	shapeSelf
	// shapeTuple: OpenMMLab's Config unpacks a tuple.
	shapeTuple
	// shapeFrozen: FrozenConfigDict runs __init__(state["_configdict"]),
	// an ml_collections ConfigDict.
	shapeFrozen
)

var stateShapes = map[string]stateShape{
	"munch.Munch":        shapeDict,
	"munch.AutoMunch":    shapeDict,
	"munch.DefaultMunch": shapeDefault,
	"addict.addict.Dict": shapeSelf, "addict.Dict": shapeSelf,
	"mmcv.utils.config.ConfigDict":                            shapeSelf,
	"mmengine.config.config.ConfigDict":                       shapeSelf,
	"mmcv.utils.config.Config":                                shapeTuple,
	"mmengine.config.config.Config":                           shapeTuple,
	"mmengine.logging.history_buffer.HistoryBuffer":           shapeDict,
	"ml_collections.config_dict.config_dict.ConfigDict":       shapeDict,
	"ml_collections.config_dict.config_dict.FrozenConfigDict": shapeFrozen,
}

// configState reports a BUILD of a stateShapes class whose state is not
// the shape its __setstate__ is written for as a use the allowlist does
// not permit (MG116), as stateReads does for a mapping state.
func (m *machine) configState(off int64, obj, state Value) {
	if m.probe {
		return
	}
	cls, ok := builtClass(obj)
	if !ok {
		return
	}
	full := cls.gobj().module + "." + cls.gobj().name
	shape, ok := stateShapes[full]
	if !ok {
		return
	}
	good := false
	switch shape {
	case shapeDict:
		good = state.kind == KindDict
		if good && full == "ml_collections.config_dict.config_dict.ConfigDict" {
			good = dictValue(state, "_fields").kind == KindDict
		}
	case shapeDefault:
		good = state.kind == KindTuple && state.nkept() == 2 && state.at(1).kind == KindDict
	case shapeSelf:
		good = state.kind == KindDict || state.kind == obj.kind && state.t == obj.t && state.ref == obj.ref
	case shapeTuple:
		good = state.kind == KindTuple
	case shapeFrozen:
		c, ok := builtClass(dictValue(state, "_configdict"))
		good = state.kind == KindDict && ok && c.gobj().module+"."+c.gobj().name == "ml_collections.config_dict.config_dict.ConfigDict"
	}
	if good {
		return
	}
	if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = cls.String()+" built with a "+state.kind.String()+
			" state, not the shape its __setstate__ reads (it would iterate, index or call methods of that state)", off, globals.UseFunction
	}
}

// hookingConfigDicts are the allowlisted ConfigDicts whose __setitem__
// hands a mapping item to ConfigDict(item), which calls item.items():
// mmengine's _hook does for an item whose type is exactly dict or
// OrderedDict (mmcv's ConfigDict has addict's __setitem__), and
// ml_collections' __setitem__ (which its __setstate__ runs for each
// field) for any dict, through _configdict_fill_seed.
var hookingConfigDicts = map[string]bool{
	"mmengine.config.config.ConfigDict":                 true,
	"ml_collections.config_dict.config_dict.ConfigDict": true,
}

// configItems judges the values SETITEM(S), BUILD's update or a call puts
// in a hookingConfigDicts instance.
func (m *machine) configItems(off int64, op byte, inst Value, values []cell) {
	if m.probe {
		return
	}
	cls, ok := builtClass(inst)
	if !ok || !hookingConfigDicts[cls.gobj().module+"."+cls.gobj().name] {
		return
	}
	for _, c := range values {
		m.hooked(off, op, m.t.val(c), 0)
	}
}

// hooked follows _hook over v: a list or tuple is rebuilt from its
// elements' _hook, a dict (and an OrderedDict, whose items the scan does
// not keep) becomes a ConfigDict whose __init__ runs _hook on each value,
// and an items attribute the pickle gave an instance is called
// (hooks.go). A walk past maxShownDepth ends the scan inconclusive.
func (m *machine) hooked(off int64, op byte, v Value, depth int) {
	if m.containerValues(v, depth, func(e Value, d int) { m.hooked(off, op, e, d) }) {
		return
	}
	if !instance(v) {
		return
	}
	if s := m.hooksOf(v); s != nil && (s.held[hookItems].kind != kindAbsent || s.lost[hookItems]) {
		m.hookCall(off, op, hookItems, v, m.t.val(s.held[hookItems]), s.lost[hookItems], m.container(KindTuple, nil))
	}
}

// updateHooks runs at the BUILD of an addict-family instance (shapeSelf):
// its __setstate__, update(state), calls self[k].update(v) for each key
// whose held item and state value are dicts. The items the instance holds
// are not kept, so every update attribute an object holds by then is
// taken as called, and a mmengine ConfigDict's state values are handed to
// _hook (configItems).
func (m *machine) updateHooks(off int64, obj, state Value) {
	if m.probe {
		return
	}
	cls, ok := builtClass(obj)
	if !ok || stateShapes[cls.gobj().module+"."+cls.gobj().name] != shapeSelf {
		return
	}
	for i := 0; i < len(m.hookList); i++ {
		s := m.hookList[i]
		if s.held[hookUpdate].kind != kindAbsent || s.lost[hookUpdate] {
			m.hookCall(off, opBUILD, hookUpdate, m.t.val(s.inst), m.t.val(s.held[hookUpdate]), s.lost[hookUpdate],
				m.container(KindTuple, []cell{state.cell}))
		}
	}
	if state.kind == KindDict {
		m.configItems(off, opBUILD, obj, pairValues(state.cells()))
	}
}

// easyConverted judges the values EasyDict's __setattr__ (its
// __setitem__, and BUILD's setattr of a slot state) receives: a dict that
// is not an EasyDict becomes EasyDict(value), whose dict(value) calls
// value.keys() for a mapping other than a plain dict (an OrderedDict) and
// whose __init__ sets each item in turn; a list or tuple is rebuilt with
// each dict element converted. The keys and items attributes the pickle
// gave such a value are called (hooks.go).
func (m *machine) easyConverted(off int64, op byte, v Value, depth int) {
	if m.containerValues(v, depth, func(e Value, d int) { m.easyConverted(off, op, e, d) }) {
		return
	}
	if !instance(v) {
		return
	}
	if cls, ok := builtClass(v); ok && cls.gobj().module == "easydict" && cls.gobj().name == "EasyDict" {
		return
	}
	if s := m.hooksOf(v); s != nil {
		for _, h := range [...]int{hookKeys, hookItems} {
			if s.held[h].kind != kindAbsent || s.lost[h] {
				m.hookCall(off, op, h, v, m.t.val(s.held[h]), s.lost[h], m.container(KindTuple, nil))
			}
		}
	}
}

// containerValues calls fn with each element of a list or tuple v and each
// value of a dict v, one level deeper, within the walk's caps (deep,
// visit), and reports whether v was such a container.
func (m *machine) containerValues(v Value, depth int, fn func(Value, int)) bool {
	switch v.kind {
	case KindList, KindTuple, KindDict:
	default:
		return false
	}
	if m.deep(v, depth) || !m.visit(v) {
		return true
	}
	cells := v.cells()
	first, step := 0, 1
	if v.kind == KindDict {
		first, step = 1, 2
	}
	for i := first; i < len(cells); i += step {
		fn(m.t.val(cells[i]), depth+1)
	}
	return true
}

package pickle

import "github.com/modelgate/modelgate/formats/pickle/globals"

// configFamilies are the allowlisted training-config classes (allow.tsv's
// training-config section) by family: a config of one family may hold
// another of the same. Their __setattr__, __setitem__, __setstate__,
// update and _hook convert dict values and call items(), keys() or
// update on them, and their __getattr__ and __missing__ answer names from
// what they hold, so a config that holds anything but plain data hands
// the pickle's object to code that queries it (the red-team cases of
// redteam6_test.go). Real configs hold plain data only: plainConfig
// checks every value stored into one, beside the hook-specific checks
// (configItems, easyConverted, itemAttributes, configState).
var configFamilies = map[string]string{
	"yacs.config.CfgNode":                                     "yacs",
	"fvcore.common.config.CfgNode":                            "yacs",
	"detectron2.config.config.CfgNode":                        "yacs",
	"easydict.EasyDict":                                       "easydict",
	"munch.Munch":                                             "munch",
	"munch.AutoMunch":                                         "munch",
	"munch.DefaultMunch":                                      "munch",
	"ml_collections.config_dict.config_dict.ConfigDict":       "ml_collections",
	"ml_collections.config_dict.config_dict.FrozenConfigDict": "ml_collections",
	"ml_collections.config_dict.config_dict.FieldReference":   "ml_collections",
	// mmcv's and mmengine's ConfigDicts are addict Dicts.
	"addict.addict.Dict":                "addict",
	"addict.Dict":                       "addict",
	"mmcv.utils.config.ConfigDict":      "addict",
	"mmcv.utils.config.Config":          "addict",
	"mmengine.config.config.ConfigDict": "addict",
	"mmengine.config.config.Config":     "addict",
}

// plainCalls are the callables whose result is plain data when their
// arguments (and BUILD state) are: what picklers write for a complex, a
// protocol-2 set, frozenset, bytearray or bytes, a numpy array, scalar or
// dtype, and a torch.Size or device (a torch dtype is a global).
var plainCalls = map[string]bool{
	"builtins.complex":                    true,
	"builtins.set":                        true,
	"builtins.frozenset":                  true,
	"builtins.bytearray":                  true,
	"_codecs.encode":                      true,
	"numpy.dtype":                         true,
	"numpy.core.multiarray.dtype":         true,
	"numpy._core.multiarray.dtype":        true,
	"numpy.core.multiarray._reconstruct":  true,
	"numpy._core.multiarray._reconstruct": true,
	"numpy.core.multiarray.scalar":        true,
	"numpy._core.multiarray.scalar":       true,
	"numpy.core.numeric._frombuffer":      true,
	"numpy._core.numeric._frombuffer":     true,
	"torch.Size":                          true,
	"torch.device":                        true,
}

// configFamily returns the family of the config class v is an instance
// of, or "".
func configFamily(v Value) string {
	cls, ok := builtClass(v)
	if !ok {
		return ""
	}
	return configFamilies[cls.gobj().module+"."+cls.gobj().name]
}

// plainConfig judges values stored into inst, when it is a config
// (configFamilies), by SETITEM(S), APPEND(S), BUILD or the call that made
// it, or added later to a container it holds (heldItems): each must be
// plain data (plainValue). One that is not is a use the
// config's allowlist entry does not permit (MG116); a walk past the
// machine's depth or cell caps ends the scan inconclusive.
func (m *machine) plainConfig(off int64, op byte, inst Value, values []cell) {
	if m.probe {
		return
	}
	family := configFamily(inst)
	if family == "" {
		return
	}
	m.cfgLast = inst.cell
	cls, _ := builtClass(inst)
	g := cls.gobj().info
	if g == nil || g.misuse != "" || g.ref.Verdict.Class != globals.Allowed {
		return
	}
	for _, c := range values {
		v := m.t.val(c)
		if v.kind == inst.kind && v.t == inst.t && v.ref == inst.ref {
			// addict's state is the instance itself.
			continue
		}
		if bad, ok := m.plainValue(v, inst, family, 0); !ok {
			if m.fatal != nil && bad.kind == kindAbsent {
				return
			}
			g.misuse, g.misuseOff, g.misuseUse = cls.String()+" instance holds "+bad.String()+
				", an object its library converts or queries, not plain config data", off, globals.UseClass
			return
		}
	}
}

// plainValue reports whether v is plain config data: None, a bool,
// number, str, bytes or out-of-band buffer; a list, tuple, dict, set or frozenset of plain
// data; a global held, not called (a class or function a config names,
// as mmengine's type=); another config of family, whose own stores are
// judged when they happen; a plainCalls result built from plain data; an
// OrderedDict that carries no state, attributes or items the scan did
// not see. The lists, dicts and sets walked are noted as held by inst
// (holdIn). Otherwise it returns the object that is not, or, when a cap
// ended the walk (m.fatal), an absent value.
func (m *machine) plainValue(v Value, inst Value, family string, depth int) (Value, bool) {
	switch v.kind {
	case KindNone, KindBool, KindInt, KindBigInt, KindFloat, KindStr, KindBytes, KindBuffer:
		return Value{}, true
	case KindGlobal:
		return v, !v.gobj().dynamic
	case KindList, KindTuple, KindDict, KindSet, KindFrozenSet:
		if m.deep(v, depth) || !m.visit(v) {
			return Value{}, m.fatal == nil
		}
		m.holdIn(v, inst)
		for _, c := range v.cells() {
			if bad, ok := m.plainValue(m.t.val(c), inst, family, depth+1); !ok {
				return bad, false
			}
		}
		return Value{}, true
	case KindCall:
	default:
		return v, false
	}
	if f := configFamily(v); f != "" {
		return v, f == family
	}
	mod, name, ok := v.Callable().Global()
	full := mod + "." + name
	if !ok || !plainCalls[full] && full != "collections.OrderedDict" {
		return v, false
	}
	if instance(v) && m.hooksOf(v) != nil {
		return v, false
	}
	if full == "collections.OrderedDict" {
		// Its items are filled by SETITEMS, which the scan does not keep.
		_, built := v.State()
		return v, !built && v.obj().flags&flagItems == 0 && constant(v.Args(), 0)
	}
	if m.deep(v, depth) || !m.visit(v) {
		return Value{}, m.fatal == nil
	}
	for _, c := range v.cells()[1:] {
		if bad, ok := m.plainValue(m.t.val(c), inst, family, depth+1); !ok {
			return bad, false
		}
	}
	if state, ok := v.State(); ok {
		if bad, ok := m.plainValue(state, inst, family, depth+1); !ok {
			return bad, false
		}
	}
	return Value{}, true
}

// holdIn notes that inst, a config, holds v, a list, dict or set: items
// the pickle adds to v later (through the memo) are stored in the config
// too (heldItems). Beyond maxHooks containers the last config judged
// stands for the holder.
func (m *machine) holdIn(v, inst Value) {
	o := v.obj()
	if v.kind == KindTuple || v.kind == KindFrozenSet || o == nil || o.flags&flagCfgHeld != 0 {
		return
	}
	o.flags |= flagCfgHeld
	if len(m.cfgHeld) < maxHooks {
		if m.cfgHeld == nil {
			m.cfgHeld = make(map[uint32]cell)
		}
		m.cfgHeld[v.ref] = inst.cell
	}
}

// heldItems judges items APPEND(S), SETITEM(S) or ADDITEMS add to t, a
// list, dict or set, after a config stored it (holdIn), as stored in that
// config.
func (m *machine) heldItems(off int64, op byte, t Value, items []cell) {
	if m.probe || t.obj().flags&flagCfgHeld == 0 {
		return
	}
	inst, ok := m.cfgHeld[t.ref]
	if !ok {
		inst = m.cfgLast
	}
	if op == opSETITEM || op == opSETITEMS {
		items = pairValues(items)
	}
	m.plainConfig(off, op, m.t.val(inst), items)
}

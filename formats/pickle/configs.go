package pickle

import (
	_ "embed"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// plainStateTXT lists the allowlisted classes whose BUILD dict state
// loading stores without reading its values: no __setstate__ of their own
// (or torch.nn.Module's, a __dict__ update) and object's or Module's
// __setattr__. A second column "nn.Module" marks the classes whose
// __setattr__ is Module's, which tests name in the state's _parameters,
// _modules and _buffers. tools/allowlist/plainstate.py writes it from the
// installed libraries; a class it omits is taken to read its state.
//
//go:embed plainstate.txt
var plainStateTXT string

// plainKind is how a plainState class applies its dict state.
type plainKind uint8

const (
	// plainDict stores the state's values unread.
	plainDict plainKind = iota + 1
	// plainModule stores them, then sets the hooks the state lacks with
	// torch.nn.Module.__setattr__, which reads moduleLookups.
	plainModule
)

// plainState is plainStateTXT by "module.name".
var plainState = func() map[string]plainKind {
	s := map[string]plainKind{}
	for _, line := range strings.Split(plainStateTXT, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, mark, _ := strings.Cut(line, "\t")
		s[name] = plainDict
		if mark == "nn.Module" {
			s[name] = plainModule
		}
	}
	return s
}()

// moduleLookups are the entries of a torch.nn.Module's BUILD dict state
// that Module.__setattr__ (torch 1.13) tests a name's membership in when
// Module.__setstate__ sets a missing hook or a slot state sets an
// attribute: _parameters, _modules and _buffers, and, for a Parameter or
// Module value, _non_persistent_buffers_set. "in" iterates a list and
// compares its items, hashes into a dict or set and compares colliding
// keys, and runs an instance's __contains__, __iter__ or __getitem__.
var moduleLookups = []string{"_parameters", "_modules", "_buffers", "_non_persistent_buffers_set"}

// moduleTested calls fn with each value of a Module's BUILD state dict
// that Module.__setattr__ tests names in (see moduleLookups), and then,
// item set, with what the test compares a name with: a list's, tuple's
// or set's items, or a dict's keys.
func moduleTested(dict Value, fn func(key string, v Value, item bool)) {
	for _, k := range moduleLookups {
		v := dictValue(dict, k)
		fn(k, v, false)
		step := 1
		switch v.kind {
		case KindDict:
			step = 2
		case KindList, KindTuple, KindSet, KindFrozenSet:
		default:
			continue
		}
		cells := v.cells()
		for i := 0; i < len(cells); i += step {
			fn(k, v.t.val(cells[i]), true)
		}
	}
}

// Containers a config sits in, for the search of reachingConfig: storing
// constructors keep their argument's elements as values without reading
// them (a config is read only as the argument itself, or, for the dict
// builders, as a pair or key); the others' arguments may be read at any
// depth. An exception stores its arguments.
var (
	storingSeq = map[string]bool{
		"builtins.list": true, "builtins.tuple": true, "collections.deque": true,
	}
	storingPairs = map[string]bool{
		"builtins.dict": true, "collections.OrderedDict": true, "collections.defaultdict": true,
	}
	storingHashed = map[string]bool{
		"builtins.set": true, "builtins.frozenset": true,
	}
)

// maxConfigDepth bounds how deep reachingConfig follows containers
// (CPython's default recursion limit: comparing or hashing nested tuples
// recurses through them all until it), and maxConfigSteps how many values
// one stream's searches visit in all: past either the stream ends
// inconclusive (pickle-config-depth, pickle-config-search), since a
// config could hide beyond what was looked at.
const (
	maxConfigDepth = 1000
	maxConfigSteps = 1 << 22
)

// configKey identifies a container for a search's visited set: an object,
// or an inline tuple's kept cells.
type configKey struct {
	t      *tables
	ref    uint32
	inline bool
}

// configSearch finds a resolvingEq config reachable from a value through
// containers whose items loading reads: tuples, lists, dict keys and
// values, sets, and the arguments of storing constructors and exceptions.
// An instance other than a config is not entered: its own BUILD state is
// judged where it is built.
type configSearch struct {
	m    *machine
	seen map[configKey]bool
}

func (m *machine) searchConfigs() *configSearch {
	return &configSearch{m: m, seen: map[configKey]bool{}}
}

// find returns the first config reachable from v at depth or below.
func (s *configSearch) find(v Value, depth int) (Value, bool) {
	if s.m.configSteps++; s.m.configSteps > maxConfigSteps {
		if s.m.fatal == nil {
			s.m.fatal = &formats.LimitError{Limit: "pickle-config-search", Max: maxConfigSteps}
		}
		return Value{}, false
	}
	if isConfig(v) {
		return v, true
	}
	switch v.kind {
	case KindTuple, KindList, KindDict, KindSet, KindFrozenSet:
	case KindCall:
		if c, ok := s.m.heldConfigs[configKey{t: v.t, ref: v.ref}]; ok {
			return v.t.val(c), true
		}
		fn, args := storingCall(v)
		if fn == "" {
			return Value{}, false
		}
		v = args
	default:
		return Value{}, false
	}
	k := configKey{t: v.t, ref: v.ref, inline: v.inline()}
	if s.seen[k] {
		return Value{}, false
	}
	if depth >= maxConfigDepth {
		if s.m.fatal == nil && !constant(v, 0) {
			s.m.fatal = &formats.LimitError{Limit: "pickle-config-depth", Max: maxConfigDepth}
		}
		return Value{}, false
	}
	s.seen[k] = true
	if v.count() > int64(v.nkept()) && lostItems(v) {
		// An object beyond the kept items could be a config.
		if s.m.fatal == nil {
			s.m.fatal = &formats.LimitError{Limit: "pickle-items", Max: int64(s.m.maxItems)}
		}
		return Value{}, false
	}
	for _, c := range v.cells() {
		if cfg, ok := s.find(v.t.val(c), depth+1); ok {
			return cfg, true
		}
	}
	return Value{}, false
}

// isConfig reports whether v is an instance of a resolvingEq class.
func isConfig(v Value) bool {
	cls, ok := builtClass(v)
	return ok && resolvingEq[cls.gobj().module+"."+cls.gobj().name]
}

// storingCall returns the name and argument tuple of v when it is a call
// of a constructor that stores its arguments as they are: a storing
// constructor, or a builtin exception.
func storingCall(v Value) (string, Value) {
	if v.nkept() < 2 {
		return "", Value{}
	}
	mod, name, ok := v.at(0).Global()
	args := v.at(1)
	if !ok || args.kind != KindTuple {
		return "", Value{}
	}
	full := mod + "." + name
	if storingSeq[full] || storingPairs[full] || storingHashed[full] || builtinException(mod, name) {
		return full, args
	}
	return "", Value{}
}

// builtinException reports whether module.name names a builtin exception
// class, whose constructor stores its arguments in args.
func builtinException(module, name string) bool {
	return module == "builtins" && (strings.HasSuffix(name, "Error") || strings.HasSuffix(name, "Exception") ||
		strings.HasSuffix(name, "Warning"))
}

// buildConfigs judges a BUILD state: when the instance's class is
// allowlisted and does not store its state unread (plainState), its
// __setstate__ reads the state's values, and a config anywhere in them
// resolves its interpolations (pandas' NDFrame unpacks state["_flags"],
// matplotlib's Axes joins state["_shared_axes"] in a Grouper, flair's
// Dictionary tests membership in state["idx2item"]). A plainState class
// still has its slot state applied with setattr, which runs property
// setters (optuna's FrozenTrial.values runs list on its value), and a
// torch.nn.Module tests names in some of its dict state (moduleLookups).
func (m *machine) buildConfigs(off int64, obj, state Value) {
	if m.probe || !m.configs {
		return
	}
	cls, ok := builtClass(obj)
	if !ok {
		return
	}
	full := cls.gobj().module + "." + cls.gobj().name
	if resolvingEq[full] {
		// omegaconf 2.2's BaseContainer.__setstate__ reads attributes of
		// state["_metadata"] only (key, element and reference types),
		// then updates __dict__: the nested configs of _content and the
		// _parent are stored.
		m.resolving(off, dictValue(state, "_metadata"), "as the _metadata of a config's BUILD state, whose attributes are read and so resolve their interpolations")
		return
	}
	if g := cls.gobj().info; g == nil || g.ref.Verdict.Class != globals.Allowed {
		// A class the allowlist does not permit is reported as such;
		// what its __setstate__ reads is the least of what it can do.
		return
	}
	kind := plainState[full]
	s := m.searchConfigs()
	if kind == 0 {
		if cfg, ok := s.find(state, 0); ok {
			m.resolving(off, cfg, "inside the BUILD state of "+cls.String()+", whose __setstate__ is not a plain attribute update and may read it, which resolves its interpolations")
		}
		return
	}
	dict := state
	if state.kind == KindTuple && state.nkept() == 2 {
		dict = state.at(0)
		if cfg, ok := s.find(state.at(1), 0); ok {
			m.resolving(off, cfg, "inside the slot state of a BUILD of "+cls.String()+", which setattr applies, running any property setter, which may read it and so resolve its interpolations")
		}
	}
	if kind != plainModule {
		return
	}
	moduleTested(dict, func(k string, v Value, item bool) {
		if item {
			m.resolving(off, v, "as an item of "+k+" in the BUILD state of "+cls.String()+", which torch.nn.Module.__setattr__'s name test compares, which resolves its interpolations")
			return
		}
		m.resolving(off, v, "as the "+k+" of the BUILD state of "+cls.String()+", in which torch.nn.Module.__setattr__ tests names, which resolves its interpolations")
	})
}

// consumedArgs judges the arguments of a call of an allowlisted callable:
// the callee reads a config it receives, at any depth of the containers it
// gets (sorted and max compare tuples item by item, torch.optim.Adam runs
// list on each param group's params, sum adds one ListConfig to another),
// and reading its items resolves their interpolations. Storing
// constructors read only their argument itself and, for dict and set
// builders, the pairs and the keys or elements they hash; the values they
// store are not read. The class a copyreg builder receives first is
// skipped: it is the class, not a value.
func (m *machine) consumedArgs(off int64, fn, args Value) {
	if m.probe || !m.configs || args.kind != KindTuple {
		return
	}
	cells := args.cells()
	mod, name, _ := fn.Global()
	if mod == "copyreg" && len(cells) > 0 {
		switch name {
		case "__newobj__", "__newobj_ex__", "_reconstructor":
			cells = cells[1:]
		}
	}
	full := mod + "." + name
	const how = "as an argument of a call, which reads its items and so resolves their interpolations"
	s := m.searchConfigs()
	for _, c := range cells {
		a := m.t.val(c)
		switch {
		case storingSeq[full]:
			m.resolving(off, a, how)
		case storingPairs[full]:
			m.resolving(off, a, how)
			m.storedPairs(off, s, a)
		case storingHashed[full]:
			m.resolving(off, a, how)
			if a.kind == KindDict {
				m.hashedConfigs(off, s, a, 2)
			} else {
				m.hashedConfigs(off, s, a, 1)
			}
		default:
			if cfg, ok := s.find(a, 0); ok {
				m.resolving(off, cfg, "inside the arguments of a call, which may read or compare it and so resolve its interpolations")
			}
		}
	}
}

// storedPairs judges what a dict builder receives: the pairs of a list
// or tuple are unpacked (a config pair is iterated) and their keys
// hashed, a dict's keys hashed; the values are stored.
func (m *machine) storedPairs(off int64, s *configSearch, a Value) {
	switch a.kind {
	case KindDict:
		m.hashedConfigs(off, s, a, 2)
	case KindList, KindTuple:
		for _, c := range a.cells() {
			p := m.t.val(c)
			m.resolving(off, p, "as a pair a dict builder unpacks, which reads its items and so resolves their interpolations")
			if (p.kind == KindTuple || p.kind == KindList) && p.nkept() == 2 {
				if cfg, ok := s.find(p.at(0), 0); ok {
					m.resolving(off, cfg, "in a key a dict builder hashes and compares, which resolves its interpolations")
				}
			}
		}
	}
}

// hashedConfigs judges every step-th element of a container a builder
// hashes: a config in it, at any depth of tuples, is compared with __eq__
// when hashes collide.
func (m *machine) hashedConfigs(off int64, s *configSearch, a Value, step int) {
	switch a.kind {
	case KindList, KindTuple, KindSet, KindFrozenSet, KindDict:
	default:
		return
	}
	cells := a.cells()
	for i := 0; i < len(cells); i += step {
		if cfg, ok := s.find(m.t.val(cells[i]), 0); ok {
			m.resolving(off, cfg, "as a key or element a call hashes and compares, which resolves its interpolations")
		}
	}
}

// dictValue returns the value of a dict's kept str key, or the zero Value.
func dictValue(d Value, key string) Value {
	if d.kind != KindDict {
		return Value{}
	}
	cells := d.cells()
	for i := 0; i+1 < len(cells); i += 2 {
		if k, ok := d.t.val(cells[i]).Text(); ok && d.t.val(cells[i]).kind == KindStr && k == key {
			return d.t.val(cells[i+1])
		}
	}
	return Value{}
}

// holdConfigs notes that inst, an instance that SETITEM(S) or APPEND(S)
// fills through its own methods (an OrderedDict, a deque), now holds a
// config found in items, which the instance keeps beyond the cells the
// machine stores: a search reaching inst finds it there.
func (m *machine) holdConfigs(inst Value, items []cell) {
	if m.probe || !m.configs || !instance(inst) {
		return
	}
	k := configKey{t: inst.t, ref: inst.ref}
	if _, ok := m.heldConfigs[k]; ok {
		return
	}
	s := m.searchConfigs()
	for _, c := range items {
		if cfg, ok := s.find(m.t.val(c), 0); ok {
			if m.heldConfigs == nil {
				m.heldConfigs = map[configKey]cell{}
			}
			m.heldConfigs[k] = cfg.cell
			return
		}
	}
}

package pickle

import (
	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Loading runs more of an object than its construction path: a dict key
// or set element is hashed, and compared with the keys it collides with;
// an allowlisted builtin called with an object runs its __str__,
// __len__, __iter__, __lt__ ... The allowlist generator vouches for those
// methods per global and lists the ones it cannot vouch for
// (globals.UnvouchedOf); an object of such a global that reaches one of
// these triggers is reported (RuleUnvouchedDunder).

// dunderCall is what calling an allowlisted builtin runs on its
// arguments: arg on each argument, elem on each element of an argument
// that it iterates (and on each argument, for min(a, b)); hash marks the
// callables that hash elements or keys (set, dict, Counter ...), and
// second the method isinstance and issubclass run on their second
// argument's metaclass; pairs marks those of them that take key/value
// pairs and hash only the key.
type dunderCall struct {
	arg, elem, second globals.Dunder
	hash, pairs       bool
	// mapping is 1 + the index of the argument read as a mapping when it
	// is an object (see mapped), or 0.
	mapping int
}

const (
	iterates = globals.DunderIter | globals.DunderNext | globals.DunderLen
	hashes   = globals.DunderHash | globals.DunderEq
	orders   = globals.DunderLt | globals.DunderGt | globals.DunderLe | globals.DunderGe
)

// dunderCalls are the allowlisted callables that run methods of their
// arguments, by global. CPython's builtins: str falls back to __repr__,
// format to __str__, bool to __len__, int to __index__ and __trunc__ (the
// generator folds those fallbacks into the method it lists); list, tuple
// and bytes ask __len__ for a size hint; sorted, min and max compare
// elements; sum adds them; any and all test their truth.
var dunderCalls = map[string]dunderCall{
	"builtins.hash":       {arg: globals.DunderHash},
	"builtins.len":        {arg: globals.DunderLen},
	"builtins.str":        {arg: globals.DunderStr},
	"builtins.repr":       {arg: globals.DunderRepr},
	"builtins.ascii":      {arg: globals.DunderRepr},
	"builtins.format":     {arg: globals.DunderFormat},
	"builtins.bool":       {arg: globals.DunderBool},
	"builtins.int":        {arg: globals.DunderInt},
	"builtins.float":      {arg: globals.DunderFloat},
	"builtins.complex":    {arg: globals.DunderComplex},
	"builtins.abs":        {arg: globals.DunderAbs},
	"builtins.round":      {arg: globals.DunderRound},
	"builtins.divmod":     {arg: globals.DunderDivmod | globals.DunderRdivmod},
	"builtins.pow":        {arg: globals.DunderPow | globals.DunderRpow},
	"builtins.bin":        {arg: globals.DunderIndex},
	"builtins.hex":        {arg: globals.DunderIndex},
	"builtins.oct":        {arg: globals.DunderIndex},
	"builtins.chr":        {arg: globals.DunderIndex},
	"builtins.range":      {arg: globals.DunderIndex},
	"builtins.bytes":      {arg: globals.DunderBytes | globals.DunderIndex | iterates},
	"builtins.bytearray":  {arg: globals.DunderIndex | iterates},
	"builtins.list":       {arg: iterates},
	"builtins.tuple":      {arg: iterates},
	"builtins.enumerate":  {arg: iterates},
	"builtins.zip":        {arg: iterates},
	"builtins.reversed":   {arg: globals.DunderReversed},
	"builtins.next":       {arg: globals.DunderNext},
	"builtins.sorted":     {arg: iterates, elem: orders},
	"builtins.min":        {arg: iterates, elem: orders},
	"builtins.max":        {arg: iterates, elem: orders},
	"builtins.sum":        {arg: iterates, elem: globals.DunderAdd | globals.DunderRadd},
	"builtins.any":        {arg: iterates, elem: globals.DunderBool},
	"builtins.all":        {arg: iterates, elem: globals.DunderBool},
	"builtins.isinstance": {second: globals.DunderInstancecheck},
	"builtins.issubclass": {second: globals.DunderSubclasscheck},
	"builtins.str.join":   {arg: iterates},
	// Containers that hash the elements, or the keys of the pairs, they
	// are given; a NEWOBJ of set or frozenset too.
	"builtins.set":       {arg: iterates, hash: true},
	"builtins.frozenset": {arg: iterates, hash: true},
	// dict(m), OrderedDict(m), defaultdict(f, m) and Counter(m) (through
	// dict.update for a Mapping) read an object m as a mapping.
	"collections.Counter":     {arg: iterates, hash: true, mapping: 1},
	"builtins.dict":           {arg: iterates, hash: true, pairs: true, mapping: 1},
	"collections.OrderedDict": {arg: iterates, hash: true, pairs: true, mapping: 1},
	"collections.defaultdict": {arg: iterates, hash: true, pairs: true, mapping: 2},
	"collections.deque":       {arg: iterates},
}

// maxKeyDepth bounds how deep hashed looks into tuple keys: hashing a
// tuple hashes its elements, comparing two compares theirs.
const maxKeyDepth = 4

// hashed judges the values the unpickler hashes as dict keys or set
// elements, every step-th of items (SETITEM(S), DICT, ADDITEMS,
// FROZENSET): hashing runs __hash__, a collision __eq__.
func (m *machine) hashed(off int64, items []cell, step int) {
	if m.probe || !m.dunders {
		return
	}
	for i := 0; i < len(items); i += step {
		m.hashedValue(off, m.t.val(items[i]), 0)
	}
}

func (m *machine) hashedValue(off int64, v Value, depth int) {
	if v.kind == KindTuple && depth < maxKeyDepth {
		for _, c := range v.cells() {
			m.hashedValue(off, m.t.val(c), depth+1)
		}
		return
	}
	m.trigger(off, v, hashes, "sets %s as a dict key or set element")
}

// dunderArgs judges the arguments (args, and kwargs' values) of a call
// of g, an allowlisted global, against what the call runs on them
// (dunderCalls). str, repr and format show what their argument holds
// (shown); any other allowlisted callable outside builtins may iterate,
// hash, compare or render whatever its arguments hold, as far as its
// reviewed code is concerned (handed).
func (m *machine) dunderArgs(off int64, g *globalInfo, args, kwargs Value) {
	if m.probe || args.kind != KindTuple {
		return
	}
	full := g.ref.Module + "." + g.ref.Name
	d := g.dunders
	if d == nil {
		if g.ref.Module == "builtins" {
			return
		}
		how := "passes %s, held by its arguments, to " + full + ", whose code may iterate, hash, compare or render what it is given"
		for _, c := range args.cells() {
			m.handed(off, m.t.val(c), how)
		}
		if kwargs.kind == KindDict {
			for i, c := range kwargs.cells() {
				if i%2 == 1 {
					m.handed(off, m.t.val(c), how)
				}
			}
		}
		return
	}
	how := "passes %s to " + full
	if !m.visit(args) {
		return
	}
	for i, c := range args.cells() {
		a := m.t.val(c)
		if i == 1 && d.second != 0 {
			m.trigger(off, a, d.second, "passes %s as the class argument of "+full)
		}
		if d.arg&shows != 0 && m.dunderSet&shows != 0 {
			if i == 0 || d.arg&globals.DunderFormat == 0 {
				m.shown(off, a, d.arg, "passes %s, held by its argument, to "+full, 0)
			}
		}
		m.trigger(off, a, d.arg|d.elem, how)
		switch a.kind {
		case KindDict:
			if d.hash && m.visit(a) {
				m.hashed(off, a.cells(), 2)
			}
		case KindList, KindTuple, KindSet, KindFrozenSet:
			if (d.elem != 0 || d.hash) && !m.visit(a) {
				continue
			}
			for _, e := range a.cells() {
				ev := m.t.val(e)
				if d.elem != 0 {
					m.trigger(off, ev, d.elem, "passes %s, an element of its argument, to "+full)
				}
				if !d.hash {
					continue
				}
				if d.pairs {
					if ev.kind == KindTuple && ev.nkept() == 2 {
						m.hashedValue(off, ev.at(0), 0)
					}
					continue
				}
				m.hashedValue(off, ev, 0)
			}
		}
	}
}

// mappingArgs judges the argument a call of g, an allowlisted global,
// reads as a mapping (dunderCall.mapping), whether or not the stream
// names a global with unvouched methods: its keys and items attributes
// are called.
func (m *machine) mappingArgs(off int64, op byte, g *globalInfo, args Value) {
	d := g.dunders
	if m.probe || d == nil || d.mapping == 0 || args.kind != KindTuple || args.nkept() < d.mapping {
		return
	}
	m.mapped(off, op, args.at(d.mapping-1), "passes %s to "+g.ref.Module+"."+g.ref.Name+", which reads it as a mapping")
}

const (
	// shows are the methods by which str, repr and format render their
	// argument.
	shows = globals.DunderStr | globals.DunderRepr | globals.DunderFormat
	// consumes are the methods an allowlisted callable outside builtins
	// is assumed to run on anything its arguments hold.
	consumes = iterates | hashes
)

// maxShownDepth bounds how deep shown and reached look into containers
// and exception arguments (CPython's default recursion limit: repr and
// comparison of nested containers recurse through them all until it);
// maxDunderCells bounds the cells they visit per scan. Past either the
// scan is inconclusive (pickle-dunder-depth, pickle-dunder-cells).
const (
	maxShownDepth  = 1000
	maxDunderCells = 1 << 22
)

// deep reports whether depth is past maxShownDepth, ending the scan
// inconclusive when v, there, could hold more: a container of more than
// constants, or an instance.
func (m *machine) deep(v Value, depth int) bool {
	if depth < maxShownDepth {
		return false
	}
	switch v.kind {
	case KindList, KindTuple, KindDict, KindSet, KindFrozenSet, KindCall:
		if m.fatal == nil && !constant(v, 0) {
			m.fatal = &formats.LimitError{Limit: "pickle-dunder-depth", Max: maxShownDepth}
		}
	}
	return true
}

// handed judges v, handed to code the allowlist vouches for without
// knowing what it does with v (an allowlisted callable outside builtins,
// a property setter): it may iterate, hash or compare what v holds at
// any depth (reached), and render it, as an error message does (Enum's
// ValueError repr's the value it does not know).
func (m *machine) handed(off int64, v Value, how string) {
	if m.dunderSet&consumes != 0 {
		m.reached(off, v, how, 0)
	}
	if m.dunderSet&shows != 0 {
		m.trigger(off, v, shows, how)
		m.shown(off, v, shows, how, 0)
	}
}

// visit counts n more cells against maxDunderCells and reports whether
// the walk may go on; a container that did not keep an item other than a
// plain scalar could hold anything, so a walk that meets one ends the
// scan inconclusive.
func (m *machine) visit(v Value) bool {
	if m.fatal != nil {
		return false
	}
	n := v.nkept()
	m.dunderCells += int64(n)
	if m.dunderCells > maxDunderCells {
		m.fatal = &formats.LimitError{Limit: "pickle-dunder-cells", Max: maxDunderCells}
		return false
	}
	if v.count() > int64(n) && lostItems(v) {
		m.fatal = &formats.LimitError{Limit: "pickle-items", Max: int64(m.maxItems)}
		return false
	}
	return true
}

// shown judges v, rendered by str, repr or format (d), and what
// rendering it renders in turn: CPython's repr of a list, tuple, dict or
// set, which str and format fall back to, runs repr on every item (dict
// keys and values); BaseException.__str__ runs str on its one argument
// (KeyError's repr) and repr on the tuple of several (OSError's str
// too), its __repr__ repr on each; any other instance is assumed to
// render its arguments and BUILD state with repr. Items APPENDS or
// SETITEMS added to an instance are not kept: rendering such an instance
// ends the scan inconclusive.
func (m *machine) shown(off int64, v Value, d globals.Dunder, how string, depth int) {
	if depth > 0 {
		m.trigger(off, v, d, how)
	}
	if m.deep(v, depth) {
		return
	}
	switch v.kind {
	case KindList, KindTuple, KindDict, KindSet, KindFrozenSet:
		if !m.visit(v) {
			return
		}
		for _, c := range v.cells() {
			m.shown(off, m.t.val(c), globals.DunderRepr, how, depth+1)
		}
	case KindCall:
		args, name, ok := exceptionArgs(v)
		if !ok {
			// Any other instance's repr may render what it was built
			// from and its state (a dataclass's fields, an estimator's
			// parameters, an OrderedDict's pairs), and the items it was
			// given, which are not kept: they could hold anything.
			if v.obj().flags&flagItems != 0 {
				m.fatal = &formats.LimitError{Limit: "pickle-instance-items", Max: 0}
				return
			}
			for i := 1; i < v.nkept(); i++ {
				m.shown(off, v.at(i), globals.DunderRepr, how, depth+1)
			}
			if st, ok := v.State(); ok {
				m.shown(off, st, globals.DunderRepr, how, depth+1)
			}
			return
		}
		if !m.visit(args) {
			return
		}
		e := globals.DunderRepr
		if d&(globals.DunderStr|globals.DunderFormat) != 0 {
			switch {
			case name == "OSError" || name == "":
				e = globals.DunderStr | globals.DunderRepr
			case args.nkept() == 1 && name != "KeyError":
				e = globals.DunderStr
			}
		}
		for _, c := range args.cells() {
			m.shown(off, m.t.val(c), e, how, depth+1)
		}
	}
}

// renderArgs walks what a builtin that renders its first argument (str,
// repr, format) renders, whether or not the stream names a class whose
// rendering the generator does not vouch for: containers' items, and
// instances' arguments and states (renderedCalls).
func (m *machine) renderArgs(off int64, g *globalInfo, args Value) {
	if m.probe || g.dunders == nil || g.dunders.arg&shows == 0 || args.kind != KindTuple || args.nkept() == 0 {
		return
	}
	m.rendered(off, args.at(0), 0)
}

func (m *machine) rendered(off int64, v Value, depth int) {
	if m.deep(v, depth) {
		return
	}
	switch v.kind {
	case KindList, KindTuple, KindDict, KindSet, KindFrozenSet:
		if !m.visit(v) {
			return
		}
		for _, c := range v.cells() {
			m.rendered(off, m.t.val(c), depth+1)
		}
	case KindCall:
		if !m.visit(v) {
			return
		}
		for i := 1; i < v.nkept(); i++ {
			m.rendered(off, v.at(i), depth+1)
		}
		if st, ok := v.State(); ok {
			m.renderedCalls(off, v, st)
			m.rendered(off, st, depth+1)
		}
	}
}

// renderedCalls judges the state st of inst, an instance a builtin
// renders: its __repr__, vouched for as the class wrote it, calls methods
// of its attributes (torch's Distribution.__repr__ calls
// self.arg_constraints.items() and numel() of each parameter), which an
// attribute object's own state shadows. A global or a bound method stored
// in the state of an attribute object is taken as called.
func (m *machine) renderedCalls(off int64, inst, st Value) {
	attrs := []Value{st}
	if st.kind == KindTuple && st.nkept() == 2 {
		attrs = []Value{st.at(0), st.at(1)}
	}
	for _, d := range attrs {
		if d.kind != KindDict {
			continue
		}
		for i, c := range d.cells() {
			if i%2 == 0 {
				continue
			}
			a := m.t.val(c)
			if a.kind != KindCall {
				continue
			}
			ast, ok := a.State()
			if !ok {
				continue
			}
			parts := []Value{ast}
			if ast.kind == KindTuple && ast.nkept() == 2 {
				parts = []Value{ast.at(0), ast.at(1)}
			}
			for _, p := range parts {
				if p.kind != KindDict {
					continue
				}
				for j, e := range p.cells() {
					if v := m.t.val(e); j%2 == 1 && callableHeld(v) {
						m.once("computed-call", func() formats.Finding {
							return formats.NewFinding(RuleComputedCall, off, "renders %s, whose __repr__ may call %s, which the pickle stored as an attribute of %s", inst, v, a).
								With("target", a.String())
						})
						return
					}
				}
			}
		}
	}
}

// reached judges v and what it holds, at any depth through containers,
// handed to a callable that may run any of consumes on them.
func (m *machine) reached(off int64, v Value, how string, depth int) {
	m.trigger(off, v, consumes, how)
	switch v.kind {
	case KindList, KindTuple, KindDict, KindSet, KindFrozenSet:
		if m.deep(v, depth) || !m.visit(v) {
			return
		}
		for _, c := range v.cells() {
			m.reached(off, m.t.val(c), how, depth+1)
		}
	}
}

// buildDunders judges what applying a BUILD state to an instance of an
// allowlisted class runs: pickle sets the slot state's items with
// setattr, which runs the class's __setattr__ and property setters on
// each value (optuna's FrozenTrial.values runs list on it), code that may
// do with it what any allowlisted callable may (handed); and
// torch.nn.Module.__setattr__, run for the hooks the dict state lacks,
// tests names in the state's moduleLookups.
func (m *machine) buildDunders(off int64, obj, state Value) {
	if m.probe || !m.dunders {
		return
	}
	cls, ok := builtClass(obj)
	if !ok {
		return
	}
	g := cls.gobj().info
	if g == nil || g.ref.Verdict.Class != globals.Allowed {
		return
	}
	full := g.ref.Module + "." + g.ref.Name
	dict := state
	if state.kind == KindTuple && state.nkept() == 2 {
		dict = state.at(0)
		how := "sets %s, held by the slot state of a BUILD, on an instance of " + full + " with setattr, whose property setters may iterate, hash, compare or render it"
		pairs, loose := m.pairs(state.at(1))
		for i := 1; i < len(pairs); i += 2 {
			m.handed(off, m.t.val(pairs[i]), how)
		}
		for _, c := range loose {
			m.handed(off, m.t.val(c), how)
		}
	}
	if plainState[full] != plainModule {
		return
	}
	moduleTested(dict, func(k string, v Value, item bool) {
		if item {
			m.trigger(off, v, globals.DunderEq, "compares names with %s, held by the "+k+" of the BUILD state of "+full+", in torch.nn.Module.__setattr__")
			return
		}
		m.trigger(off, v, consumes, "tests names in %s, the "+k+" of the BUILD state of "+full+", with torch.nn.Module.__setattr__")
	})
}

// exceptions are the allowlisted exception classes, whose str and repr
// render their arguments (BaseException.args).
var exceptions = map[string]bool{
	"BaseException": true, "Exception": true, "ArithmeticError": true, "AssertionError": true,
	"AttributeError": true, "EOFError": true, "FloatingPointError": true, "ImportError": true,
	"IndexError": true, "KeyError": true, "LookupError": true, "MemoryError": true, "NameError": true,
	"NotImplementedError": true, "OSError": true, "OverflowError": true, "RuntimeError": true,
	"StopIteration": true, "TypeError": true, "UnicodeDecodeError": true, "UnicodeEncodeError": true,
	"UnicodeError": true, "ValueError": true, "ZeroDivisionError": true, "Warning": true,
	"UserWarning": true, "DeprecationWarning": true, "FutureWarning": true, "RuntimeWarning": true,
}

// exceptionArgs returns the args and class name of v when v is an
// exception the pickle built: the call's arguments (with an empty name
// when a reconstructor built it, and args is the reconstructor's), or the sequence a BUILD state set as its
// args attribute (BaseException.__setstate__ sets each item).
func exceptionArgs(v Value) (Value, string, bool) {
	cls, ok := instanceClass(v)
	if !ok || cls.gobj().module != "builtins" || !exceptions[cls.gobj().name] {
		return Value{}, "", false
	}
	name := cls.gobj().name
	if f := v.at(0); f.kind != KindGlobal || f.gobj() != cls.gobj() {
		// A reconstructor's arguments: which of them become args
		// depends on it.
		name = ""
	}
	if st, ok := v.State(); ok && st.kind == KindDict {
		cells := st.cells()
		for i := 0; i+1 < len(cells); i += 2 {
			if k := v.t.val(cells[i]); k.kind == KindStr && k.chars() == "args" {
				a := v.t.val(cells[i+1])
				return a, name, a.kind == KindTuple || a.kind == KindList
			}
		}
	}
	args := v.at(1)
	return args, name, args.kind == KindTuple
}

// trigger reports v when it is an object of an allowlisted global whose
// method in d the generator did not vouch for: an instance the pickle
// built of a class (see instanceClass), or the global's own object. how renders what loading does,
// with a %s for the object.
func (m *machine) trigger(off int64, v Value, d globals.Dunder, how string) {
	var g *globalInfo
	value := false
	switch v.kind {
	case KindCall:
		c, ok := instanceClass(v)
		if !ok {
			return
		}
		g = c.gobj().info
	case KindGlobal:
		if v.gobj().dynamic {
			return
		}
		g, value = v.gobj().info, true
		if g != nil && g.boundTo != nil && d&(globals.DunderRepr|globals.DunderStr|globals.DunderFormat) != 0 {
			// A bound method's repr (str and format fall back to it) is
			// that of its __self__: str(series.copy) runs
			// Series.__repr__. Its hash and == use __self__'s identity
			// (CPython >= 3.8).
			g, value, d = g.boundTo, false, globals.DunderRepr
		}
	default:
		return
	}
	if g == nil || g.unvouched == nil || g.ref.Verdict.Class != globals.Allowed {
		return
	}
	set := g.unvouched.Instance
	what := "an instance of " + g.ref.Module + "." + g.ref.Name
	if value {
		set = g.unvouched.Value
		what = g.ref.Module + "." + g.ref.Name
	}
	if set&d == 0 {
		return
	}
	one, sev, reason, _ := g.unvouched.Why(value, d)
	key := "dunder:" + what + one.String()
	m.once(key, func() formats.Finding {
		method := "its " + one.String()
		if !value {
			method = g.ref.Name + "." + one.String()
		}
		return formats.NewFinding(RuleUnvouchedDunder, off, "%s: loading runs %s, which %s", formatHow(how, what), method, reason).
			At(sev).With("global", g.ref.Module+"."+g.ref.Name).With("method", one.String()).
			With("object", v.String())
	})
}

// formatHow renders how (with one %s) for what without fmt's parsing of
// names that hold a percent sign.
func formatHow(how, what string) string {
	for i := 0; i+1 < len(how); i++ {
		if how[i] == '%' && how[i+1] == 's' {
			return how[:i] + what + how[i+2:]
		}
	}
	return how
}

// instanceClass returns the global v is an instance of when v is a call:
// the class a reconstructor builds (its argument argRoles marks as a
// class: copyreg's, numpy's _reconstruct, torch's _rebuild_from_type_v2,
// scikit-learn's newObj), else the callee itself (NEWOBJ of a class, a
// call of a class; a function's result is none of the listed globals).
func instanceClass(v Value) (Value, bool) {
	if v.kind != KindCall || v.nkept() < 2 {
		return Value{}, false
	}
	f := v.at(0)
	if f.kind != KindGlobal || f.gobj().dynamic {
		return Value{}, false
	}
	if len(f.gobj().roles) == 0 {
		return f, true
	}
	args := v.at(1)
	if args.kind != KindTuple {
		return Value{}, false
	}
	for i, r := range f.gobj().roles {
		if r == globals.UseClass && i < args.nkept() {
			c := args.at(i)
			return c, c.kind == KindGlobal && !c.gobj().dynamic
		}
	}
	return Value{}, false
}

// lostItems reports whether the container v dropped an item that is not a
// plain scalar (flagLostObject); an inline tuple keeps every item.
func lostItems(v Value) bool {
	o := v.obj()
	return o == nil || o.flags&flagLostObject != 0
}

package jinja

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// What a chat template may do, taken from the templates real models ship
// (testdata/corpus) and from the renderers that consume them: transformers
// compiles with Jinja2's ImmutableSandboxedEnvironment plus
// raise_exception, strftime_now, a tojson filter, loopcontrols and
// {% generation %}; llama.cpp (minja), vLLM, SGLang and llama-cpp-python
// accept the same language, some without a sandbox.

// allowedFilters are Jinja2 3.1's built-in filters (jinja2.filters.FILTERS)
// and two pure ones that renderers add and real templates use (from_json
// in llama.cpp's and vLLM's templates, regex_replace in GPT4All's).
var allowedFilters = setOf(
	"abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
	"filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join",
	"last", "length", "list", "lower", "map", "max", "min", "pprint", "random", "reject", "rejectattr",
	"replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags",
	"sum", "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount",
	"wordwrap", "xmlattr",
	"from_json", "regex_replace",
)

// allowedTests are Jinja2 3.1's built-in tests (jinja2.tests.TESTS).
var allowedTests = setOf(
	"!=", "<", "<=", "==", ">", ">=", "boolean", "callable", "defined", "divisibleby", "eq", "equalto",
	"escaped", "even", "false", "filter", "float", "ge", "greaterthan", "gt", "in", "integer", "iterable",
	"le", "lessthan", "lower", "lt", "mapping", "ne", "none", "number", "odd", "sameas", "sequence",
	"string", "test", "true", "undefined", "upper",
)

// intAttrs are loop attributes that are integers.
var intAttrs = setOf("index", "index0", "revindex", "revindex0", "length", "depth", "depth0")

// intFilters return integers.
var intFilters = setOf("length", "count", "int", "abs", "wordcount")

// attributeArgFilters take an attribute name: as the attribute= keyword,
// or positionally at the index given.
var attributeArgFilters = map[string]int{
	"map": -1, "sort": -1, "sum": -1, "unique": -1, "min": -1, "max": -1,
	"groupby": 0, "selectattr": 0, "rejectattr": 0, "attr": 0,
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	typGetItem  = reflect.TypeFor[nodes.GetItem]()
	typGetAttr  = reflect.TypeFor[nodes.GetAttribute]()
	typTestCall = reflect.TypeFor[nodes.TestCall]()
	typUnary    = reflect.TypeFor[nodes.UnaryExpression]()
	typDict     = reflect.TypeFor[nodes.Dict]()
	typFor      = reflect.TypeFor[controlStructures.ForControlStructure]()
	typSet      = reflect.TypeFor[controlStructures.SetControlStructure]()
	typWith     = reflect.TypeFor[controlStructures.WithControlStructure]()
	typMacro    = reflect.TypeFor[nodes.Macro]()
)

// bindings records, for each variable the template assigns (by name, or
// ns.attr for a namespace field), every expression assigned to it, so
// that a lookup key can be judged by where its values come from.
type bindings struct {
	exprs  map[string][]binding
	macros map[string]bool
}

type binding struct {
	// expr is the assigned expression; for a loop variable, the iterable.
	expr reflect.Value
	// loop is set for a loop variable (the first target: for k, v in
	// x|items binds k to the mapping's keys).
	loop bool
}

func (b *bindings) add(name string, bd binding) {
	if b.exprs == nil {
		b.exprs = map[string][]binding{}
	}
	b.exprs[name] = append(b.exprs[name], bd)
}

// collect records the template's assignments: {% for %} targets,
// {% set %} (plain, namespace field and the fields namespace() is built
// with), {% with %} names and macro parameters. A name bound to a value
// that is not looked at (a parameter, a with name, the second target of a
// loop, a tuple target) gets a binding with no expression, which makes it
// neither an integer nor a dict.
func (b *bindings) collect(v reflect.Value) {
	switch v.Type() {
	case typFor:
		obj := v.FieldByName("ObjectEvaluator")
		key, val := v.FieldByName("Key").String(), v.FieldByName("Value").String()
		b.add(key, binding{expr: obj, loop: true})
		if val != "" {
			b.add(val, binding{})
		}
	case typWith:
		it := v.FieldByName("pairs").MapRange()
		for it.Next() {
			b.add(it.Key().String(), binding{})
		}
	case typMacro:
		if b.macros == nil {
			b.macros = map[string]bool{}
		}
		b.macros[v.FieldByName("Name").String()] = true
		kw := v.FieldByName("Kwargs")
		for i := range kw.Len() {
			// gonja keeps a parameter's name as a String node.
			if n, ok := literal(concrete(kw.Index(i)).FieldByName("Key")); ok {
				b.add(n, binding{})
			}
		}
		for _, f := range []string{"VarArgsName", "KwArgsName"} {
			if n := v.FieldByName(f).String(); n != "" {
				b.add(n, binding{})
			}
		}
	case typSet:
		target := concrete(v.FieldByName("target"))
		expr := v.FieldByName("expression")
		name := canon(target)
		if name == "" {
			// {% set a, b = ... %}: every name in the target.
			walkValue(target, func(n reflect.Value) {
				if n.Type() == typName {
					b.add(canon(n), binding{})
				}
			})
			return
		}
		b.add(name, binding{expr: expr})
		// ns = namespace(a=..., b=...) binds ns.a and ns.b.
		call := concrete(expr)
		if call.IsValid() && call.Type() == typCall {
			if fn := concrete(call.FieldByName("Func")); fn.IsValid() && fn.Type() == typName && tokenOf(fn, "Name") != nil && tokenOf(fn, "Name").Val == "namespace" {
				kw := call.FieldByName("Kwargs")
				it := kw.MapRange()
				for it.Next() {
					b.add(name+"."+it.Key().String(), binding{expr: it.Value()})
				}
			}
		}
	}
}

// canon is a canonical text for the expressions a lookup key is compared
// by (names, attribute and constant item chains, filters and calls on
// them), or "" for anything else.
func canon(v reflect.Value) string {
	v = concrete(v)
	if !v.IsValid() {
		return ""
	}
	switch v.Type() {
	case typName:
		if t := tokenOf(v, "Name"); t != nil {
			return t.Val
		}
	case typGetAttr:
		base := canon(v.FieldByName("Node"))
		if base == "" {
			return ""
		}
		if a := v.FieldByName("Attribute").String(); a != "" {
			return base + "." + a
		}
		return fmt.Sprintf("%s.%d", base, v.FieldByName("Index").Int())
	case typGetItem:
		base := canon(v.FieldByName("Node"))
		arg := concrete(v.FieldByName("Arg"))
		if base == "" || !arg.IsValid() {
			return ""
		}
		switch arg.Type() {
		case typString:
			return base + "." + arg.FieldByName("Val").String()
		case typInteger:
			return fmt.Sprintf("%s.%d", base, arg.FieldByName("Val").Int())
		}
	case typString:
		return fmt.Sprintf("%q", v.FieldByName("Val").String())
	case typInteger:
		return fmt.Sprint(v.FieldByName("Val").Int())
	}
	return ""
}

// mappingOf strips what turns a mapping into its keys or (key, value)
// pairs: x|items, x|dictsort, x|list, x|sort, x.items(), x.keys(). The
// loop variables over the result are keys of x.
func mappingOf(v reflect.Value) string {
	v = concrete(v)
	if !v.IsValid() {
		return ""
	}
	switch v.Type() {
	case typFiltered:
		filters := v.FieldByName("Filters")
		for i := range filters.Len() {
			switch concrete(filters.Index(i)).FieldByName("Name").String() {
			case "items", "dictsort", "list", "sort", "unique", "reverse":
			default:
				return ""
			}
		}
		return canon(v.FieldByName("Expression"))
	case typCall:
		fn := concrete(v.FieldByName("Func"))
		if fn.IsValid() && fn.Type() == typGetAttr {
			switch fn.FieldByName("Attribute").String() {
			case "items", "keys":
				return canon(fn.FieldByName("Node"))
			}
		}
	}
	return canon(v)
}

// isInt reports whether an expression always evaluates to an integer
// (which Jinja never turns into an attribute name).
func (c *checker) isInt(v reflect.Value, depth int) bool {
	v = concrete(v)
	if !v.IsValid() || depth > MaxNesting {
		return false
	}
	switch v.Type() {
	case typInteger:
		return true
	case typUnary:
		return c.isInt(v.FieldByName("Term"), depth+1)
	case typBinary:
		switch binOp(v) {
		case "+", "-", "*", "//", "%":
			return c.isInt(v.FieldByName("Left"), depth+1) && c.isInt(v.FieldByName("Right"), depth+1)
		}
	case typFiltered:
		filters := v.FieldByName("Filters")
		if n := filters.Len(); n > 0 {
			last := concrete(filters.Index(n - 1))
			if !intFilters[last.FieldByName("Name").String()] {
				return false
			}
			// x|int(d) and x|int(default=d) give d when x is no
			// number: d must be an integer too.
			if args := last.FieldByName("Args"); args.Len() > 0 && !c.isInt(args.Index(0), depth+1) {
				return false
			}
			if kw := last.FieldByName("Kwargs"); kw.Len() > 0 {
				if d := kw.MapIndex(reflect.ValueOf("default")); d.IsValid() && !c.isInt(d, depth+1) {
					return false
				}
			}
			return true
		}
	case typGetAttr:
		if base := canon(v.FieldByName("Node")); base == "loop" && !c.assigned["loop"] {
			return intAttrs[v.FieldByName("Attribute").String()]
		}
		return c.intVar(canon(v), depth)
	case typName:
		return c.intVar(canon(v), depth)
	}
	return false
}

// intVar reports whether every assignment to a variable is an integer. It
// remembers each answer, and counts a variable defined through itself as
// not an integer, so that a chain of assignments costs its length once.
func (c *checker) intVar(name string, depth int) bool {
	if r, ok := c.intMemo[name]; ok {
		return r
	}
	if c.intMemo == nil {
		c.intMemo = map[string]bool{}
	}
	c.intMemo[name] = false
	r := c.boundTo(name, depth, func(bd binding) bool {
		if bd.loop {
			return isRange(bd.expr) && !c.assigned["range"]
		}
		return c.isInt(bd.expr, depth+1)
	})
	c.intMemo[name] = r
	return r
}

// boundTo reports whether name is assigned at least once and every
// assignment satisfies ok.
func (c *checker) boundTo(name string, depth int, ok func(binding) bool) bool {
	bs := c.binds.exprs[name]
	if name == "" || len(bs) == 0 || depth > MaxNesting || !c.complete(name) {
		return false
	}
	for _, bd := range bs {
		if !ok(bd) {
			return false
		}
	}
	return true
}

// literalStrings reports whether v is a list or tuple whose items are
// string literals naming ordinary attributes, or lists or tuples of them:
// a loop over ['gi_frame'] indexes with a name no literal lookup could
// use unreported.
func literalStrings(v reflect.Value, depth int) bool {
	v = concrete(v)
	if !v.IsValid() || depth > 2 || (v.Type() != typList && v.Type() != typTuple) {
		return false
	}
	items := v.FieldByName("Val")
	for i := range items.Len() {
		it := concrete(items.Index(i))
		if !it.IsValid() || (it.Type() != typString && !literalStrings(it, depth+1)) {
			return false
		}
		if it.Type() == typString && !ordinaryName(it.FieldByName("Val").String()) {
			return false
		}
	}
	return items.Len() > 0
}

// ordinaryName reports whether a constant lookup name is none that
// checkLookupName reports: no underscore prefix, dunder or object
// internal, not str.format.
func ordinaryName(s string) bool {
	return !strings.HasPrefix(s, "_") && !dunderRE.MatchString(s) && !internalAttrs[s] && s != "format" && s != "format_map"
}

func isRange(v reflect.Value) bool {
	v = concrete(v)
	if !v.IsValid() || v.Type() != typCall {
		return false
	}
	fn := concrete(v.FieldByName("Func"))
	return fn.IsValid() && fn.Type() == typName && canon(fn) == "range"
}

// keySafe reports whether key, used to index container, only takes values
// that cannot name a Python attribute: integers, keys of that same
// mapping (a loop over it), or any value when the container is a dict
// literal the template built itself and the key is plain data.
func (c *checker) keySafe(container, key reflect.Value) bool {
	if c.isInt(key, 0) {
		return true
	}
	cont := canon(container)
	k := concrete(key)
	if k.IsValid() && k.Type() == typName {
		// A loop over the keys of the mapping indexed, or over a list
		// of string literals (each checked as a literal).
		if c.boundTo(canon(k), 0, func(bd binding) bool {
			return bd.loop && ((cont != "" && mappingOf(bd.expr) == cont && c.loopSafe(canon(k), cont) && !c.foothold(cont)) || literalStrings(bd.expr, 0))
		}) {
			return true
		}
	}
	// A dict literal of the template's own: a missing key falls back to
	// an attribute of dict, one step that reaches nothing by itself; the
	// next computed step is judged on its own.
	if !c.foothold(cont) && c.boundTo(cont, 0, func(bd binding) bool {
		d := concrete(bd.expr)
		return !bd.loop && d.IsValid() && d.Type() == typDict
	}) {
		return true
	}
	return false
}

// visitGetItem judges x[key].
func (c *checker) visitGetItem(v reflect.Value) {
	arg := concrete(v.FieldByName("Arg"))
	tok := tokenOf(v, "Location")
	if !arg.IsValid() {
		return
	}
	switch arg.Type() {
	case typString:
		c.checkLookupName(tok, arg.FieldByName("Val").String(), "item")
		return
	case typInteger:
		return
	}
	if c.keySafe(v.FieldByName("Node"), arg) {
		return
	}
	key := truncate(exprText(arg), 60)
	if s, ok := c.fold(arg, 0); ok && dunderRE.MatchString(s) {
		c.add(Escape, formats.Critical, tok, s, "item lookup with the assembled Python internal name %q", truncate(s, 60))
		return
	}
	c.computedItem(tok, canon(v.FieldByName("Node")), key)
}

// computedItem reports x[key] with a computed key; on one of Jinja's own
// objects it reaches __init__.__globals__ and so os in two steps.
func (c *checker) computedItem(tok *tokens.Token, container, key string) {
	root, _, _ := strings.Cut(container, ".")
	if c.foothold(container) || (c.binders == nil && footholds[root]) {
		c.add(Computed, formats.Critical, tok, key, "item lookup %s[%s] with a computed key on %s, one of Jinja's own objects (namespace, cycler, joiner, lipsum, range, dict, self, loop, caller, a macro) whose attributes reach Python's globals and so the os module", root, key, root)
		return
	}
	c.add(Computed, formats.High, tok, key, "item lookup x[%s] with a key computed at render time: Jinja falls back to attribute access for a string key, so the template can reach any attribute", key)
}

// checkLookupName judges a constant attribute or item name.
func (c *checker) checkLookupName(tok *tokens.Token, name, what string) {
	switch {
	case strings.HasPrefix(name, "__") || dunderRE.MatchString(name):
		c.add(Escape, formats.Critical, tok, name, "%s lookup of the Python internal %q (the CVE-2024-34359 sandbox-escape family)", what, name)
	case strings.HasPrefix(name, "_"):
		c.add(Escape, formats.High, tok, name, "%s lookup of the private attribute %q, which Jinja's sandbox forbids", what, name)
	case internalAttrs[name]:
		c.add(Escape, formats.Critical, tok, name, "%s lookup of the Python object internal %q (frames, code or globals)", what, name)
	case (name == "format" || name == "format_map") && what != "format field" && what != "item":
		// s.format(...) written as a method call is judged by its format
		// string (visitMethodCall); reached through attr or map, the
		// format string is whatever the object is, and its fields read
		// any attribute. (A "format" item is a JSON schema's key; called
		// directly it is judged by visitMethodCall.)
		c.add(Computed, formats.High, tok, name, "%s lookup of %q reaches str.format by name, whose fields read any attribute of its arguments", what, name)
	}
}

// visitTest judges `x is name`.
func (c *checker) visitTest(v reflect.Value) {
	name := v.FieldByName("Name").String()
	if !allowedTests[name] {
		c.add(Unknown, formats.Medium, tokenOf(v, "Token"), name, "test %q is not one of Jinja2's; a renderer that registers it runs the host's code", name)
	}
}

// visitFilterName judges a filter by name and the attribute names it is
// given; visitFilter (ast.go) adds the obfuscation checks.
func (c *checker) visitFilterName(v reflect.Value) {
	name := v.FieldByName("Name").String()
	tok := tokenOf(v, "Token")
	if !allowedFilters[name] {
		c.add(Unknown, formats.Medium, tok, name, "filter %q is not one of Jinja2's; a renderer that registers it runs the host's code", name)
	}
	args := v.FieldByName("Args")
	kwargs := v.FieldByName("Kwargs")
	if pos, ok := attributeArgFilters[name]; ok {
		var attr reflect.Value
		if kwargs.IsValid() && kwargs.Len() > 0 {
			attr = kwargs.MapIndex(reflect.ValueOf("attribute"))
		}
		if !attr.IsValid() && pos >= 0 && args.Len() > pos {
			attr = args.Index(pos)
		}
		if attr.IsValid() {
			c.checkAttributeArg(tok, name, attr)
		}
	}
	// map('filter', ...), select('test', ...) and friends apply another
	// filter or test by name: map('attr', name) is the attr filter.
	var byName string
	var allowed map[string]bool
	first := 0
	switch name {
	case "map":
		byName, allowed = "filter", allowedFilters
	case "select", "reject":
		byName, allowed = "test", allowedTests
	case "selectattr", "rejectattr":
		byName, allowed, first = "test", allowedTests, 1
	}
	if byName == "" || args.Len() <= first {
		return
	}
	if name == "map" && kwargs.IsValid() && kwargs.MapIndex(reflect.ValueOf("attribute")).IsValid() {
		return
	}
	inner, ok := literal(args.Index(first))
	switch {
	case !ok:
		c.add(Computed, formats.High, tok, name, "%s applies a %s whose name is computed at render time", name, byName)
	case !allowed[inner]:
		c.add(Unknown, formats.Medium, tok, inner, "%s applies %s %q, which is not one of Jinja2's", name, byName, inner)
	case name == "map" && inner == "attr":
		if args.Len() > first+1 {
			c.checkAttributeArg(tok, "map('attr')", args.Index(first+1))
		} else {
			c.add(Computed, formats.High, tok, "attr", "map('attr') without an attribute name")
		}
	}
}

// checkAttributeArg judges the attribute name given to attr, map,
// selectattr, sort and the like: a constant, possibly dotted, path of
// ordinary names or indexes.
func (c *checker) checkAttributeArg(tok *tokens.Token, filter string, v reflect.Value) {
	s, ok := literal(v)
	if !ok {
		if n := concrete(v); n.IsValid() && n.Type() == typInteger {
			return
		}
		sev := formats.High
		if filter == "attr" || filter == "map('attr')" {
			// attr exists for nothing but attribute access; with a
			// computed name it is the usual way around name checks.
			sev = formats.Critical
		}
		if f, ok := c.fold(v, 0); ok && dunderRE.MatchString(f) {
			c.add(Escape, formats.Critical, tok, f, "%s with the assembled Python internal name %q", filter, truncate(f, 60))
			return
		}
		c.add(Computed, sev, tok, filter, "%s with an attribute name computed at render time (%s)", filter, truncate(exprText(v), 60))
		return
	}
	for _, part := range strings.Split(s, ".") {
		c.checkLookupName(tok, part, filter+" attribute")
	}
}

// visitMethodCall judges x.format(...) and x.format_map(...): a format
// string's fields ({0.attr}, {0[key]}) reach attributes, so the format
// string must be a constant whose fields name ordinary attributes.
func (c *checker) visitMethodCall(v reflect.Value) {
	fn := concrete(v.FieldByName("Func"))
	if !fn.IsValid() {
		return
	}
	switch fn.Type() {
	case typGetItem:
		// x['format'](...): str.format reached by item.
		n, ok := literal(fn.FieldByName("Arg"))
		if ok && (n == "format" || n == "format_map") {
			c.add(Computed, formats.High, tokenOf(fn, "Location"), n, "str.%s reached by item lookup and called: its fields read any attribute of its arguments", n)
		}
		// x[k](...): the rules that vouch for k say the lookup reads
		// data; a key of a list or string falls back to a method, and
		// calling it (__getattribute__, format) reads any attribute.
		if !ok && !c.isInt(fn.FieldByName("Arg"), 0) {
			key := truncate(exprText(fn.FieldByName("Arg")), 60)
			c.add(Computed, formats.High, tokenOf(fn, "Location"), key, "calls the result of the lookup x[%s], whose computed key may name a method", key)
		}
		return
	case typName:
		// Calling a variable the template assigned a looked-up value
		// to (not a macro, which {% macro %} binds): it may hold a bound
		// method such as str.format reached by name.
		n := canon(fn)
		if slices.ContainsFunc(c.binds.exprs[n], func(bd binding) bool {
			return bd.expr.IsValid() && !isLiteral(bd.expr) && !c.binds.macros[canon(bd.expr)]
		}) {
			c.add(Computed, formats.High, tokenOf(fn, "Name"), n, "calls %s, a value the template looked up, which may be a method such as str.format reached by name", n)
		}
		return
	case typGetAttr:
	default:
		return
	}
	m := fn.FieldByName("Attribute").String()
	if m != "format" && m != "format_map" {
		return
	}
	tok := tokenOf(fn, "Location")
	recv := fn.FieldByName("Node")
	s, ok := literal(recv)
	if !ok {
		c.add(Computed, formats.High, tok, m, "str.%s on a format string computed at render time: its fields can reach any attribute", m)
		return
	}
	for _, name := range formatFieldNames(s) {
		c.checkLookupName(tok, name, "format field")
	}
}

// isLiteral reports whether an assigned expression is a literal, which no
// call can turn into a method.
func isLiteral(v reflect.Value) bool {
	v = concrete(v)
	return v.IsValid() && (v.Type() == typString || v.Type() == typInteger || v.Type() == typDict || v.Type() == typList)
}

// formatFieldNames returns the attribute and key names a str.format
// string reaches: {0.a[b]} gives a and b.
func formatFieldNames(s string) []string {
	var names []string
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			i++
			continue
		}
		end := strings.IndexAny(s[i:], "}:!")
		if end < 0 {
			break
		}
		field := s[i+1 : i+end]
		names = append(names, strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == '[' || r == ']' })...)
		i += end
	}
	return names
}

// exprText is a short description of an expression for a finding.
func exprText(v reflect.Value) string {
	if s := canon(v); s != "" {
		return s
	}
	v = concrete(v)
	if !v.IsValid() {
		return "?"
	}
	switch v.Type() {
	case typCall:
		fn := concrete(v.FieldByName("Func"))
		if fn.IsValid() && fn.Type() == typGetAttr {
			return exprText(fn.FieldByName("Node")) + "." + fn.FieldByName("Attribute").String() + "(…)"
		}
		return exprText(v.FieldByName("Func")) + "(…)"
	case typFiltered:
		var b strings.Builder
		b.WriteString(exprText(v.FieldByName("Expression")))
		filters := v.FieldByName("Filters")
		for i := range filters.Len() {
			b.WriteString("|" + concrete(filters.Index(i)).FieldByName("Name").String())
		}
		return b.String()
	}
	if v.CanAddr() && v.Addr().CanInterface() {
		if st, ok := v.Addr().Interface().(fmt.Stringer); ok {
			return st.String()
		}
	}
	return v.Type().Name()
}

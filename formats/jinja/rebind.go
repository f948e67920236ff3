package jinja

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// A rule that vouches for a lookup by where a variable's values come from
// ("k loops over a|list, so a[k] is a key of a") holds only while neither
// name is re-bound: Jinja's scoping lets {% set a = namespace %} inside
// the loop make the later a a different object with the same name. The
// binders table records every way a template binds a name, from Jinja2's
// own tokens, so that such rules can fail closed.

// binder kinds.
const (
	bindFor       = "for"      // first target of a for loop
	bindForRest   = "for+"     // other targets of a for loop
	bindSet       = "set"      // {% set x = ... %} or {% set ns.x = ... %}
	bindSetNS     = "setns"    // {% set x = namespace(k=..., ...) %}, keywords only
	bindSetBlock  = "setblock" // {% set x %}...{% endset %}
	bindWith      = "with"
	bindMacro     = "macro"     // a macro's name
	bindParam     = "param"     // a macro's parameter
	bindCallParam = "callparam" // a call block's parameter
	bindImport    = "import"
)

// binding of a name by one tag: its kind and, for loops and sets, the
// text of the iterable or value.
type tokBinder struct {
	kind string
	expr string
}

// tokenBinders returns every binding of every name (ns.attr for a
// namespace field) in the template's code tokens.
func tokenBinders(ts []jToken) map[string][]tokBinder {
	bs := map[string][]tokBinder{}
	add := func(n, kind string, expr []jToken) {
		bs[n] = append(bs[n], tokBinder{kind: kind, expr: strings.TrimSpace(tokensText(expr))})
	}
	for i := 0; i+1 < len(ts); i++ {
		if ts[i].Type != tBlockBegin {
			continue
		}
		end := i + 1
		for end < len(ts) && ts[end].Type != tBlockEnd {
			end++
		}
		tag := ts[i+1 : end]
		if len(tag) == 0 {
			continue
		}
		switch tag[0].Value {
		case "for":
			in := 1
			for in < len(tag) && tag[in].Value != "in" {
				in++
			}
			iter := tag[min(in+1, len(tag)):]
			kind := bindFor
			for _, t := range tag[1:in] {
				if t.Type == tName {
					add(t.Value, kind, iter)
					kind = bindForRest
				}
			}
		case "set":
			eq := 1
			for eq < len(tag) && tag[eq].Value != "=" {
				eq++
			}
			if eq == len(tag) {
				// Block set: {% set x %} or {% set x | filter %}.
				if len(tag) > 1 && tag[1].Type == tName {
					add(tag[1].Value, bindSetBlock, nil)
				}
				continue
			}
			target, expr := tag[1:eq], tag[eq+1:]
			if len(target) == 3 && target[0].Type == tName && target[1].Value == "." && target[2].Type == tName {
				add(target[0].Value+"."+target[2].Value, bindSet, expr)
				continue
			}
			kind := bindSet
			if len(target) == 1 && kwargsOnlyNamespace(expr) {
				kind = bindSetNS
			}
			for _, t := range target {
				if t.Type == tName {
					add(t.Value, kind, expr)
				}
			}
		case "with":
			depth := 0
			for j, t := range tag[1:] {
				switch t.Value {
				case "(", "[", "{":
					depth++
				case ")", "]", "}":
					depth--
				}
				if depth == 0 && t.Type == tName && j+2 < len(tag) && tag[j+2].Value == "=" {
					// The value runs to the next comma at this depth.
					end := j + 3
					for d := 0; end < len(tag) && (d > 0 || tag[end].Value != ","); end++ {
						switch tag[end].Value {
						case "(", "[", "{":
							d++
						case ")", "]", "}":
							d--
						}
					}
					add(t.Value, bindWith, tag[j+3:end])
				}
			}
		case "macro", "call":
			for j, t := range tag[1:] {
				if t.Type != tName {
					continue
				}
				if tag[0].Value == "macro" && j == 0 {
					add(t.Value, bindMacro, nil)
					continue
				}
				next := ""
				if j+2 < len(tag) {
					next = tag[j+2].Value
				}
				prev := tag[j].Value
				if (prev == "(" || prev == "," || prev == "*" || prev == "**") && (next == "=" || next == "," || next == ")") {
					kind := bindParam
					if tag[0].Value == "call" {
						kind = bindCallParam
					}
					add(t.Value, kind, nil)
				}
			}
		case "import", "from":
			// import 'x' as n; from 'x' import a as b, c: every name
			// that is not a keyword of the tag.
			for _, t := range tag[1:] {
				switch t.Value {
				case "as", "import", "with", "without", "context":
					continue
				}
				if t.Type == tName {
					add(t.Value, bindImport, nil)
				}
			}
		}
	}
	return bs
}

// kwargsOnlyNamespace reports whether expr is exactly namespace(k=v, ...):
// then the namespace's fields are the keywords, every one of which the
// binders see. A positional dict or **kwargs gives fields no tag names.
func kwargsOnlyNamespace(expr []jToken) bool {
	if len(expr) < 3 || expr[0].Value != "namespace" || expr[1].Value != "(" {
		return false
	}
	args := bracketed(expr[2:])
	if len(args) != len(expr)-3 {
		return false
	}
	depth, start := 0, 0
	for j := 0; j <= len(args); j++ {
		if j < len(args) {
			switch args[j].Value {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
			if depth != 0 || args[j].Value != "," {
				continue
			}
		}
		seg := args[start:j]
		start = j + 1
		if len(seg) == 0 && j == len(args) {
			continue // no arguments, or a trailing comma
		}
		if len(seg) < 3 || seg[0].Type != tName || seg[1].Value != "=" {
			return false
		}
	}
	return true
}

// loopSafe reports whether key, bound only as the first target of for
// loops, indexes container with the same value of container those loops
// walked: no loop is recursive (loop(x) walks another iterable with the
// same body) or also binds container by another target, and nothing in a
// loop's body re-binds key or any prefix of container. A binding before
// or after the loop changes what the loop walks and what it indexes
// alike. Without Jinja2's tokens nothing is safe.
func (c *checker) loopSafe(key, container string) bool {
	if c.binders == nil || key == "" || container == "" {
		return false
	}
	found := false
	for _, b := range c.binders[key] {
		if b.kind != bindFor {
			return false
		}
	}
	root, _, _ := strings.Cut(container, ".")
	for i := 0; i+2 < len(c.code); i++ {
		if c.code[i].Type != tBlockBegin || c.code[i+1].Value != "for" {
			continue
		}
		var targets []string
		j := i + 2
		for ; j < len(c.code) && c.code[j].Type != tBlockEnd && c.code[j].Value != "in"; j++ {
			if c.code[j].Type == tName {
				targets = append(targets, c.code[j].Value)
			}
		}
		if len(targets) == 0 || targets[0] != key {
			continue
		}
		found = true
		if slices.Contains(targets[1:], root) {
			return false
		}
		for ; j < len(c.code) && c.code[j].Type != tBlockEnd; j++ {
			if c.code[j].Type == tName && c.code[j].Value == "recursive" {
				return false
			}
		}
		if rebinds(blockBody(c.code, i)[j-i:], key, container) {
			return false
		}
	}
	return found
}

// rebinds reports whether tokens bind key or any prefix of container.
func rebinds(ts []jToken, key, container string) bool {
	bs := tokenBinders(ts)
	if len(bs[key]) > 0 {
		return true
	}
	parts := strings.Split(container, ".")
	for i := range parts {
		if len(bs[strings.Join(parts[:i+1], ".")]) > 0 {
			return true
		}
	}
	return false
}

// blockBody returns the tokens from the block tag at ts[i] (its own
// included) to the end tag that closes it, or to the end of ts when none
// does.
func blockBody(ts []jToken, i int) []jToken {
	depth := 0
	for j := i; j+1 < len(ts); j++ {
		if ts[j].Type != tBlockBegin {
			continue
		}
		name := ts[j+1].Value
		switch {
		case name == "set":
			if blockSet(ts[j+2:]) {
				depth++
			}
		case strings.HasPrefix(name, "end"):
			depth--
			if depth == 0 {
				return ts[i : j+1]
			}
		case blockTags[name]:
			depth++
		}
	}
	return ts[i:]
}

// blockTags are the tags that open a block closed by end<name>.
var blockTags = setOf("for", "if", "macro", "call", "filter", "with", "block", "autoescape", "generation")

// blockSet reports whether the rest of a set tag has no "=": the block
// form {% set x %}...{% endset %}.
func blockSet(rest []jToken) bool {
	for _, t := range rest {
		switch {
		case t.Type == tBlockEnd:
			return true
		case t.Value == "=":
			return false
		}
	}
	return false
}

// complete reports whether the bindings recorded for a name are all it
// can hold: a plain name not bound by a tag the AST walk does not see
// (import, call parameters, block set), or ns.x where ns is only ever a
// namespace built with keywords.
func (c *checker) complete(name string) bool {
	if c.binders == nil || name == "" {
		return false
	}
	root, field, dotted := strings.Cut(name, ".")
	bs := c.binders[root]
	if dotted && (strings.Contains(field, ".") || len(bs) == 0) {
		return false
	}
	for _, b := range bs {
		switch {
		case b.kind == bindImport, b.kind == bindSetBlock, b.kind == bindMacro, b.kind == bindCallParam:
			return false
		case dotted && b.kind != bindSetNS:
			return false
		}
	}
	return true
}

// footholds are objects whose attributes lead to Python's modules in a
// step or two: Jinja's globals (namespace, cycler, joiner __init__.
// __globals__, lipsum.__globals__), and the template's self, loop,
// caller and macros.
var footholds = setOf("namespace", "cycler", "joiner", "lipsum", "range", "dict", "self", "loop", "caller")

// foothold reports whether a container's root is such an object: a
// global the template does not re-bind, a macro, or a name the template
// sets to one of them.
func (c *checker) foothold(container string) bool {
	root, _, _ := strings.Cut(container, ".")
	if root == "" {
		return false
	}
	bs := c.binders[root]
	if footholds[root] && len(bs) == 0 {
		return true
	}
	for _, b := range bs {
		if b.kind == bindMacro || ((b.kind == bindSet || b.kind == bindWith) && (footholds[b.expr] || c.isMacro(b.expr))) {
			return true
		}
	}
	return false
}

// holdsLookedUp reports whether a name is bound by set or a for loop to
// something other than a literal or a macro: calling it may call a method
// reached by a computed name.
func (c *checker) holdsLookedUp(name string) bool {
	for _, b := range c.binders[name] {
		switch b.kind {
		case bindSet, bindFor, bindForRest:
		default:
			continue
		}
		if b.expr == "" || strings.ContainsAny(b.expr[:1], "'\"0123456789[{") || c.isMacro(b.expr) {
			continue
		}
		return true
	}
	return false
}

func (c *checker) isMacro(name string) bool {
	for _, b := range c.binders[name] {
		if b.kind == bindMacro {
			return true
		}
	}
	return false
}

// checkKeywordNames reports call keywords whose names are dunders or
// private: dict(x__init__=1)|first makes "x__init__" a string without a
// literal, and slicing it gives "__init__". Parameters of macro and call
// tags and with names are variables, not data.
func (c *checker) checkKeywordNames(jt []jToken) {
	ts := code(jt)
	tag := ""
	for i, t := range ts {
		if t.Type == tBlockBegin {
			tag = ""
			if i+1 < len(ts) {
				tag = ts[i+1].Value
			}
			continue
		}
		if t.Type == tVariableBegin {
			tag = ""
			continue
		}
		if t.Type != tName || i == 0 || i+1 >= len(ts) || ts[i+1].Value != "=" || (ts[i-1].Value != "(" && ts[i-1].Value != ",") {
			continue
		}
		if tag == "macro" || tag == "call" || tag == "with" || tag == "set" || tag == "for" {
			// Parameters, with names and set targets; a set's value
			// has no top-level "(" or "," before a name and "=".
			if !insideCall(ts[:i]) {
				continue
			}
		}
		if strings.HasPrefix(t.Value, "_") || dunderRE.MatchString(t.Value) {
			pos := &tokens.Token{Line: t.Line, Val: t.Value}
			c.add(Escape, formats.Critical, pos, t.Value, "keyword argument name %q is a string without a literal (dict(%s=…)|first): with the name sliced, it reaches Python internals", t.Value, t.Value)
		}
	}
}

// insideCall reports whether the tokens of a tag so far leave a call's
// parenthesis open after a name or a closing bracket (f( or x)( ): the
// name that follows is a call's keyword, not a parameter.
func insideCall(ts []jToken) bool {
	depth := 0
	for i := len(ts) - 1; i >= 0; i-- {
		switch ts[i].Type {
		case tBlockBegin, tVariableBegin:
			return false
		}
		switch ts[i].Value {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			if depth > 0 {
				depth--
				continue
			}
			if ts[i].Value != "(" || i == 0 {
				return false
			}
			p := ts[i-1]
			if p.Type == tName && keywordAt(ts, i-1) {
				return false
			}
			if p.Type == tBlockBegin || (p.Type == tName && i >= 2 && ts[i-2].Type == tBlockBegin) {
				return false // {% call(x) %}
			}
			if p.Type == tName && i >= 2 && ts[i-2].Type == tName && ts[i-2].Value == "macro" {
				return false // {% macro m(x=1) %}
			}
			return p.Type == tName || p.Value == ")" || p.Value == "]"
		}
	}
	return false
}

package jinja

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// compareLexers reports a template whose code regions gonja reads
// differently from Jinja2: text gonja takes for data or a raw section may
// be code to Jinja2, and the other way round, so the AST checks would not
// see what Jinja2 runs.
func (c *checker) compareLexers(gonja []*tokens.Token, jt []jToken) bool {
	g, j := gonjaSkeleton(gonja), skeleton(jt)
	i := firstDifference(g, j)
	if i < 0 {
		return false
	}
	at := "its end"
	if i < len(j) {
		at = "“" + truncate(j[i], 20) + "”"
	}
	c.add(Unparsed, formats.Medium, nil, "lexer disagreement",
		"Jinja2's lexer splits the template into code and text differently from the scanner's parser (first at %s, token %d): code may be hidden from the checks", at, i)
	return true
}

// scanJinjaTokens applies the name and literal checks to Jinja2's own
// tokens, so that they see every name and string Jinja2 sees whatever
// gonja made of the template.
func (c *checker) scanJinjaTokens(jt []jToken) {
	var prev jToken
	for _, t := range jt {
		tok := &tokens.Token{Line: t.Line, Val: t.Value}
		switch t.Type {
		case tName:
			c.checkName(tok, prev.Type == tOperator && prev.Value == ".", prev.Type == tBlockBegin)
		case tString:
			if len(t.Value) >= 2 {
				c.checkString(tok, decodeString(t.Value[1:len(t.Value)-1]))
			}
		}
		if t.Type != tWhitespace {
			prev = t
		}
	}
}

// code returns the tokens inside tags, whitespace dropped, each tag
// closed by its end token.
func code(jt []jToken) []jToken {
	var out []jToken
	in := false
	for _, t := range jt {
		switch t.Type {
		case tBlockBegin, tVariableBegin:
			in = true
			out = append(out, t)
		case tBlockEnd, tVariableEnd:
			in = false
			out = append(out, t)
		case tWhitespace:
		default:
			if in {
				out = append(out, t)
			}
		}
	}
	return out
}

// tokenAllowlist judges a template gonja cannot parse from Jinja2's
// tokens alone: filters and tests by name, attribute arguments of the
// filters that take them, format strings, and subscripts, whose keys must
// be literals, slices, integer arithmetic or variables bound only to
// integers or to keys of the mapping they index.
func (c *checker) tokenAllowlist(jt []jToken) {
	ts := code(jt)
	// Bracket depth bounds what bracketed scans per bracket.
	depth, deepest := 0, 0
	for _, t := range ts {
		switch t.Value {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		}
		deepest = max(deepest, depth)
	}
	if deepest > MaxNesting {
		c.add(Unparsed, formats.Medium, nil, "", "template nests deeper than %d levels; not checked", MaxNesting)
		return
	}
	c.checkTags(ts)
	tb := tokenBindings(ts, c.assigned)
	tb.complete = c.complete
	// The conditions of the {% if %} blocks open at each point: a lookup
	// under {% if k in x %} only runs for keys of x.
	var conds []guard
	for i, t := range ts {
		pos := &tokens.Token{Line: t.Line, Val: t.Value}
		if t.Type == tBlockBegin && i+1 < len(ts) {
			switch ts[i+1].Value {
			case "if":
				conds = append(conds, guard{cond: ts[i+2:], start: i})
			case "elif", "else":
				if len(conds) > 0 {
					conds[len(conds)-1].cond = ts[i+2:]
				}
			case "endif":
				if len(conds) > 0 {
					conds = conds[:len(conds)-1]
				}
			}
		}
		prevIs := func(typ, val string) bool {
			return i > 0 && ts[i-1].Type == typ && (val == "" || ts[i-1].Value == val)
		}
		switch {
		case t.Type == tName && (prevIs(tOperator, "|") || (prevIs(tName, "filter") && i > 1 && ts[i-2].Type == tBlockBegin)):
			if !allowedFilters[t.Value] {
				c.add(Unknown, formats.Medium, pos, t.Value, "filter %q is not one of Jinja2's; a renderer that registers it runs the host's code", t.Value)
			}
			c.tokenFilterArgs(pos, t.Value, ts[i+1:])
		case t.Type == tName && t.Value != "not" && (prevIs(tName, "is") || (prevIs(tName, "not") && i > 1 && ts[i-2].Value == "is")):
			if !allowedTests[t.Value] {
				c.add(Unknown, formats.Medium, pos, t.Value, "test %q is not one of Jinja2's; a renderer that registers it runs the host's code", t.Value)
			}
		case t.Type == tName && (t.Value == "format" || t.Value == "format_map") && prevIs(tOperator, ".") && i+1 < len(ts) && ts[i+1].Value == "(":
			if i < 2 || ts[i-2].Type != tString {
				c.add(Computed, formats.High, pos, t.Value, "str.%s on a format string computed at render time: its fields can reach any attribute", t.Value)
			} else {
				for _, n := range formatFieldNames(decodeString(unquote(ts[i-2].Value))) {
					c.checkLookupName(pos, n, "format field")
				}
			}
		case t.Type == tName && i+1 < len(ts) && ts[i+1].Value == "(" && !prevIs(tOperator, ".") && !prevIs(tOperator, "|") && !prevIs(tName, "is") && !prevIs(tBlockBegin, "") && c.holdsLookedUp(t.Value):
			c.add(Computed, formats.High, pos, t.Value, "calls %s, a value the template looked up, which may be a method such as str.format reached by name", t.Value)
		case t.Type == tOperator && t.Value == "[" && i > 0 && ((ts[i-1].Type == tName && !keywordAt(ts, i-1)) || ts[i-1].Type == tString || ts[i-1].Value == "]" || ts[i-1].Value == ")" || ts[i-1].Value == "}"):
			c.tokenSubscript(pos, containerText(ts[:i]), ts, i, tb, conds)
		}
	}
}

// maxScan bounds how far a condition is searched for a membership test.
const maxScan = 512

// operatorWords are the names Jinja2's expression parser treats as
// operators; a bracket after one opens a list, not a subscript.
var operatorWords = setOf("and", "or", "not", "in", "is", "if", "else")

// keywordAt reports whether the name ts[i] is an operator or, right after
// {%, a tag's name. Anywhere else a tag word (call, filter, set, ...) is
// an ordinary variable name to Jinja2: {{ call[k] }} is a subscript.
func keywordAt(ts []jToken, i int) bool {
	return operatorWords[ts[i].Value] || (i > 0 && ts[i-1].Type == tBlockBegin)
}

// knownTags are the tags Jinja2 3.1 knows by default, with loopcontrols
// and transformers' generation extension.
var knownTags = setOf("for", "endfor", "if", "elif", "else", "endif", "set", "endset", "macro", "endmacro",
	"call", "endcall", "filter", "endfilter", "with", "endwith", "block", "endblock", "extends", "include",
	"import", "from", "autoescape", "endautoescape", "break", "continue", "generation", "endgeneration")

// checkTags reports unknown tags and unbalanced block tags, which Jinja2
// refuses too: such a template could not be checked.
func (c *checker) checkTags(ts []jToken) {
	var open []string
	for i := 0; i+1 < len(ts); i++ {
		if ts[i].Type != tBlockBegin || ts[i+1].Type != tName {
			continue
		}
		name := ts[i+1].Value
		if !knownTags[name] {
			c.add(Unparsed, formats.Medium, nil, name, "unknown tag {%% %s %%}; the template could not be checked", truncate(name, 40))
			return
		}
		switch name {
		case "for", "if", "macro", "call", "filter", "with", "block", "autoescape", "generation":
			open = append(open, name)
		case "set":
			// Only {% set x %}...{% endset %} has a body: no '='.
			j := i + 2
			for j < len(ts) && ts[j].Type != tBlockEnd && ts[j].Value != "=" {
				j++
			}
			if j < len(ts) && ts[j].Type == tBlockEnd {
				open = append(open, name)
			}
		default:
			if body, ok := strings.CutPrefix(name, "end"); ok {
				if len(open) == 0 || open[len(open)-1] != body {
					c.add(Unparsed, formats.Medium, nil, name, "{%% %s %%} does not close an open block; the template could not be checked", name)
					return
				}
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) > 0 {
		c.add(Unparsed, formats.Medium, nil, open[len(open)-1], "{%% %s %%} is never closed; the template could not be checked", open[len(open)-1])
	}
}

func unquote(s string) string {
	if len(s) >= 2 {
		return s[1 : len(s)-1]
	}
	return s
}

// bracketed returns the tokens up to the bracket that closes one already
// open, or nil when it is not closed.
func bracketed(ts []jToken) []jToken {
	depth := 0
	for i, t := range ts {
		if t.Type != tOperator {
			continue
		}
		switch t.Value {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				return ts[:i]
			}
			depth--
		}
	}
	return nil
}

// containerText is the text of the dotted name a subscript applies to:
// messages, tool.function, x['a'].
func containerText(ts []jToken) string {
	var parts []string
	i := len(ts) - 1
	for i >= 0 && len(parts) < MaxNesting {
		switch {
		case ts[i].Type == tName:
			parts = append(parts, ts[i].Value)
			if i >= 2 && ts[i-1].Value == "." {
				i -= 2
				continue
			}
			i = -1
		case ts[i].Value == "]" && i >= 3 && ts[i-2].Value == "[" && (ts[i-1].Type == tString || ts[i-1].Type == tInteger):
			parts = append(parts, constKey(ts[i-1]))
			i -= 3
		default:
			return ""
		}
	}
	if i >= 0 || len(parts) == 0 {
		return ""
	}
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

// constKey is a constant attribute or item name as a path part: x.a and
// x['a'] are the same lookup.
func constKey(t jToken) string {
	if t.Type == tString {
		return decodeString(unquote(t.Value))
	}
	return t.Value
}

func (c *checker) tokenFilterArgs(pos *tokens.Token, name string, rest []jToken) {
	if len(rest) == 0 || rest[0].Value != "(" {
		if name == "attr" {
			c.add(Computed, formats.Critical, pos, "attr", "attr filter without a constant attribute name")
		}
		return
	}
	args := bracketed(rest[1:])
	var lits []string
	var computed bool
	for _, a := range args {
		switch {
		case a.Type == tString:
			lits = append(lits, decodeString(unquote(a.Value)))
		case a.Type == tName && a.Value == "attribute":
		case a.Type == tOperator && (a.Value == "," || a.Value == "="):
		case a.Type == tInteger:
		case a.Type == tName && (a.Value == "true" || a.Value == "false" || a.Value == "True" || a.Value == "False" || a.Value == "reverse" || a.Value == "case_sensitive"):
		default:
			computed = true
		}
	}
	_, takesAttr := attributeArgFilters[name]
	byName := name == "map" || name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr"
	if !takesAttr && !byName && name != "attr" {
		return
	}
	if computed {
		sev := formats.High
		if name == "attr" || (name == "map" && len(lits) > 0 && lits[0] == "attr") {
			sev = formats.Critical
		}
		c.add(Computed, sev, pos, name, "%s with an argument computed at render time", name)
	}
	for _, l := range lits {
		for _, part := range strings.Split(l, ".") {
			c.checkLookupName(pos, part, name+" argument")
		}
	}
	if name == "map" && len(lits) > 0 && !allowedFilters[lits[0]] && !strings.Contains(tokensText(args), "attribute") {
		c.add(Unknown, formats.Medium, pos, lits[0], "map applies filter %q, which is not one of Jinja2's", lits[0])
	}
	test := -1
	switch name {
	case "select", "reject":
		test = 0
	case "selectattr", "rejectattr":
		test = 1
	}
	if test >= 0 && len(lits) > test && !allowedTests[lits[test]] {
		c.add(Unknown, formats.Medium, pos, lits[test], "%s applies test %q, which is not one of Jinja2's", name, lits[test])
	}
}

func tokensText(ts []jToken) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Value)
		b.WriteByte(' ')
	}
	return b.String()
}

// tokenBinds is what the template assigns to each name, by tokens.
// Whether a name only ever holds integers is decided once every
// assignment is known, since a loop may run an assignment after a later
// one.
type tokenBinds struct {
	ints   map[string][][]jToken // integer candidates: assigned expressions; nil for a range loop
	notInt map[string]bool       // also assigned something that is not an integer candidate
	keyOf  map[string]string     // a loop's first target over a mapping: that mapping
	dict   map[string]bool       // assigned only dict literals
	other  map[string]bool       // assigned anything but a dict literal or a mapping's keys
	memo   map[string]bool
	// complete and assigned come from the checker's binders: a name
	// bound where these tables do not look is not vouched for.
	complete func(string) bool
	assigned map[string]bool
}

func (b *tokenBinds) setOther(n string) {
	b.other[n] = true
	b.notInt[n] = true
	delete(b.dict, n)
}

// setExpr records n = expr.
func (b *tokenBinds) setExpr(n string, expr []jToken) {
	if len(expr) > 0 && expr[0].Value == "{" && len(bracketed(expr[1:])) == len(expr)-2 {
		b.notInt[n] = true
		if !b.other[n] {
			b.dict[n] = true
		}
		return
	}
	b.ints[n] = append(b.ints[n], expr)
	delete(b.dict, n)
	b.other[n] = true
}

// isInt reports whether every assignment to n is an integer.
func (b *tokenBinds) isInt(n string) bool {
	if r, ok := b.memo[n]; ok {
		return r
	}
	b.memo[n] = false // a name defined through itself is not
	if b.notInt[n] || len(b.ints[n]) == 0 || b.complete == nil || !b.complete(n) {
		return false
	}
	for _, e := range b.ints[n] {
		if e != nil && !intExpr(e, b) {
			return false
		}
	}
	b.memo[n] = true
	return true
}

func tokenBindings(ts []jToken, assigned map[string]bool) *tokenBinds {
	b := &tokenBinds{assigned: assigned, ints: map[string][][]jToken{}, notInt: map[string]bool{}, keyOf: map[string]string{},
		dict: map[string]bool{}, other: map[string]bool{}, memo: map[string]bool{}}
	for i := 0; i+1 < len(ts); i++ {
		if ts[i].Type != tBlockBegin {
			continue
		}
		end := i + 1
		for end < len(ts) && ts[end].Type != tBlockEnd {
			end++
		}
		tag := ts[i+1 : end]
		switch {
		case len(tag) >= 4 && tag[0].Value == "for":
			in := 1
			for in < len(tag) && tag[in].Value != "in" {
				in++
			}
			var targets []string
			for _, t := range tag[1:in] {
				if t.Type == tName {
					targets = append(targets, t.Value)
				}
			}
			iter := tag[min(in+1, len(tag)):]
			if len(iter) > 0 && iter[0].Value == "range" && len(targets) == 1 && !assigned["range"] {
				b.ints[targets[0]] = append(b.ints[targets[0]], nil)
				b.other[targets[0]] = true
				continue
			}
			if m := mappingText(iter); m != "" && len(targets) > 0 {
				if prev, ok := b.keyOf[targets[0]]; ok && prev != m {
					b.setOther(targets[0])
				}
				b.keyOf[targets[0]] = m
				b.notInt[targets[0]] = true
				targets = targets[1:]
			}
			for _, n := range targets {
				b.setOther(n)
			}
		case len(tag) >= 2 && (tag[0].Value == "with" || tag[0].Value == "macro" || tag[0].Value == "call" ||
			(tag[0].Value == "set" && (len(tag) < 3 || (tag[2].Value != "=" && tag[2].Value != ".")))):
			// Names bound to values not looked at: with names, macro
			// and call parameters (a name before "=", "," or ")"), tuple
			// targets of set (every name before "=").
			for j, t := range tag[1:] {
				if tag[0].Value == "set" && t.Value == "=" {
					break
				}
				if t.Type != tName {
					continue
				}
				next := ""
				if j+2 < len(tag) {
					next = tag[j+2].Value
				}
				if tag[0].Value == "set" || next == "=" || next == "," || next == ")" {
					b.setOther(t.Value)
				}
			}
		case len(tag) >= 5 && tag[0].Value == "set" && tag[1].Type == tName && tag[2].Value == "." && tag[3].Type == tName && tag[4].Value == "=":
			// {% set ns.x = ... %}
			b.setExpr(tag[1].Value+"."+tag[3].Value, tag[5:])
		case len(tag) >= 3 && tag[0].Value == "set" && tag[1].Type == tName && tag[2].Value == "=":
			n := tag[1].Value
			b.setExpr(n, tag[3:])
			if len(tag) > 4 && tag[3].Value == "namespace" && tag[4].Value == "(" {
				// ns = namespace(a=..., b=...) binds ns.a and ns.b.
				args := bracketed(tag[5:])
				depth := 0
				for j := 0; j+1 < len(args); j++ {
					switch args[j].Value {
					case "(", "[", "{":
						depth++
					case ")", "]", "}":
						depth--
					}
					if depth != 0 || args[j].Type != tName || args[j+1].Value != "=" || (j > 0 && args[j-1].Value != ",") {
						continue
					}
					end := j + 2
					for d := 0; end < len(args) && (d > 0 || args[end].Value != ","); end++ {
						switch args[end].Value {
						case "(", "[", "{":
							d++
						case ")", "]", "}":
							d--
						}
					}
					b.setExpr(n+"."+args[j].Value, args[j+2:end])
				}
			}
		}
	}
	return b
}

// mappingText is the dotted name a loop iterates the keys of: x, x|items,
// x|dictsort, x.items(), x.keys().
func mappingText(iter []jToken) string {
	if len(iter) == 0 || iter[0].Type != tName {
		return ""
	}
	parts := []string{iter[0].Value}
	i := 1
	for len(parts) < MaxNesting {
		switch {
		case i+1 < len(iter) && iter[i].Value == "." && iter[i+1].Type == tName && !(i+2 < len(iter) && iter[i+2].Value == "("):
			parts = append(parts, iter[i+1].Value)
			i += 2
			continue
		case i+2 < len(iter) && iter[i].Value == "[" && (iter[i+1].Type == tString || iter[i+1].Type == tInteger) && iter[i+2].Value == "]":
			parts = append(parts, constKey(iter[i+1]))
			i += 3
			continue
		}
		break
	}
	if !keysOnly(iter[i:]) {
		return ""
	}
	return strings.Join(parts, ".")
}

// keysOnly reports whether what follows a mapping's name in a for tag
// only turns it into its keys or (key, value) pairs: .items(), .keys(),
// filters that list or order them, a loop filter (if ...). Anything else
// (a call, a method, .values(), another filter) yields values that are
// not keys of the mapping.
func keysOnly(rest []jToken) bool {
	i := 0
	if i+3 < len(rest) && rest[i].Value == "." && (rest[i+1].Value == "items" || rest[i+1].Value == "keys") && rest[i+2].Value == "(" && rest[i+3].Value == ")" {
		i += 4
	}
	for i < len(rest) {
		switch {
		case rest[i].Value == "if" || rest[i].Value == "recursive":
			return true
		case rest[i].Value == "|" && i+1 < len(rest):
			switch rest[i+1].Value {
			case "items", "dictsort", "list", "sort", "unique", "reverse":
			default:
				return false
			}
			i += 2
			if i < len(rest) && rest[i].Value == "(" {
				i += len(bracketed(rest[i+1:])) + 2
			}
		default:
			return false
		}
	}
	return true
}

// intExpr reports whether tokens are integer arithmetic over integers,
// integer-bound names, loop counters and |length.
func intExpr(ts []jToken, b *tokenBinds) bool {
	if len(ts) == 0 {
		return false
	}
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case t.Type == tInteger:
		case t.Type == tOperator && strings.Contains("+ - * // % ( )", t.Value) && t.Value != "":
		case t.Type == tOperator && t.Value == "|" && i+1 < len(ts) && intFilters[ts[i+1].Value]:
			i++
		case t.Type == tName && t.Value == "loop" && !b.assigned["loop"] && i+2 < len(ts) && ts[i+1].Value == "." && intAttrs[ts[i+2].Value]:
			i += 2
		case t.Type == tName && i+2 < len(ts) && ts[i+1].Value == "." && ts[i+2].Type == tName && b.isInt(t.Value+"."+ts[i+2].Value):
			i += 2
		case t.Type == tName && b.isInt(t.Value):
		case t.Type == tName && i+1 < len(ts) && ts[i+1].Value == "|" && i+2 < len(ts) && intFilters[ts[i+2].Value]:
			i += 2
		default:
			return false
		}
	}
	return true
}

// guarded reports whether the lookup whose key and closing bracket
// start rest is the value of a conditional expression whose condition
// tests `key in container`, as in x[k] if k in x else ”: the lookup
// only runs for keys of the mapping. The conditional must be the one the
// lookup belongs to: an if reached before any bracket closes around the
// lookup (x[k] ~ (” if k in x) guards nothing).
func guarded(rest []jToken, key, container string) bool {
	depth := 0
	for i := 0; i < len(rest) && i < maxScan; i++ {
		t := rest[i]
		if t.Type == tBlockEnd || t.Type == tVariableEnd {
			return false
		}
		switch t.Value {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		}
		if depth < -1 {
			// The lookup's own ']' takes depth to -1; below that a
			// bracket around the lookup closed.
			return false
		}
		if depth == -1 && t.Type == tName && t.Value == "if" {
			return condGuards(rest[i+1:], key, container)
		}
	}
	return false
}

// condGuards reports whether a condition (up to its tag's end, a closing
// bracket or else) holds only when `key in container` does: the test is
// one of its top-level conjuncts, not negated, and no top-level or or
// conditional offers another way to be true.
func condGuards(cond []jToken, key, container string) bool {
	if container == "" {
		// (x)[k], f()[k]: no name to compare the test's with.
		return false
	}
	depth, found := 0, false
	for i := 0; i < len(cond) && i < maxScan; i++ {
		t := cond[i]
		if t.Type == tBlockEnd || t.Type == tVariableEnd {
			break
		}
		switch t.Value {
		case "(", "[", "{":
			depth++
			continue
		case ")", "]", "}":
			depth--
			if depth < 0 {
				return found
			}
			continue
		}
		if depth != 0 || t.Type != tName {
			continue
		}
		switch t.Value {
		case "or", "if":
			return false
		case "else":
			return found
		}
		if t.Value != key || i+2 >= len(cond) || cond[i+1].Value != "in" || (i > 0 && cond[i-1].Value == "not") {
			continue
		}
		name := nextName(cond[i+2:])
		if containerText(name) != container {
			continue
		}
		if after := i + 2 + len(name); after < len(cond) {
			if v := cond[after].Value; v == "[" || v == "(" || v == "." {
				continue
			}
		}
		found = true
	}
	return found
}

// nextName returns the dotted name at the start of ts, as tokens.
func nextName(ts []jToken) []jToken {
	if len(ts) == 0 || ts[0].Type != tName {
		return nil
	}
	n := 1
	for n+1 < len(ts) && ts[n].Value == "." && ts[n+1].Type == tName {
		n += 2
	}
	return ts[:n]
}

// guard is an open {% if %}: the condition of its current branch and
// where the block starts.
type guard struct {
	cond  []jToken
	start int
}

// holds reports whether nothing re-binds key or container between the
// {% if %} and the lookup at ts[at]: in the tags before the lookup's own
// (whose value is computed before it binds anything), or anywhere in the
// block when a loop inside it may run a later binding first.
func (g guard) holds(ts []jToken, at int, key, container string) bool {
	tag := at
	for tag > g.start && ts[tag].Type != tBlockBegin && ts[tag].Type != tVariableBegin {
		tag--
	}
	loops := 0
	for j := g.start + 1; j+1 < tag; j++ {
		if ts[j].Type == tBlockBegin {
			switch ts[j+1].Value {
			case "for":
				loops++
			case "endfor":
				loops--
			}
		}
	}
	scope := ts[g.start:tag]
	if loops > 0 {
		scope = blockBody(ts, g.start)
	}
	return !rebinds(scope, key, container)
}

func (c *checker) tokenSubscript(pos *tokens.Token, container string, ts []jToken, at int, b *tokenBinds, conds []guard) {
	rest := ts[at+1:]
	key := bracketed(rest)
	if len(key) == 0 {
		return
	}
	// The rules below vouch for x[k] as data: for a string or list x the
	// lookup falls back to a method named by k, harmless unless called,
	// as s['format'](obj) or l['__getattribute__'](name) would be.
	called := len(key)+1 < len(rest) && rest[len(key)+1].Value == "("
	depth := 0
	for _, t := range key {
		switch t.Value {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ":":
			if depth == 0 && t.Type == tOperator {
				return // a slice never names an attribute
			}
		}
	}
	switch {
	case len(key) == 1 && key[0].Type == tString:
		name := decodeString(unquote(key[0].Value))
		c.checkLookupName(pos, name, "item")
		if called && (name == "format" || name == "format_map") {
			c.add(Computed, formats.High, pos, name, "str.%s reached by item lookup and called: its fields read any attribute of its arguments", name)
		}
		return
	case intExpr(key, b):
		return
	case len(key) == 1 && key[0].Type == tName && !called && container != "" && b.keyOf[key[0].Value] == container && !b.other[key[0].Value] && len(b.ints[key[0].Value]) == 0 &&
		c.loopSafe(key[0].Value, container) && !c.foothold(container):
		return
	case !called && b.dict[container] && !b.other[container] && c.complete(container) && !c.foothold(container):
		// The template's own dict literal: a missing key falls back to
		// an attribute of dict, one step that reaches nothing by itself.
		return
	case len(key) == 1 && key[0].Type == tName && c.foothold(container):
	case len(key) == 1 && key[0].Type == tName && !called && guarded(rest, key[0].Value, container):
		// Within one expression nothing can re-bind either name.
		return
	case len(key) == 1 && key[0].Type == tName && !called && slices.ContainsFunc(conds, func(g guard) bool {
		return condGuards(g.cond, key[0].Value, container) && g.holds(ts, at, key[0].Value, container)
	}):
		return
	}
	c.computedItem(pos, container, truncate(strings.TrimSpace(tokensText(key)), 60))
}

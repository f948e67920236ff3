package pytorch

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// The resolver follows what a name in TorchScript source stands for, the
// way torch.jit.load's importer resolves it: torch is the builtin module
// whose attributes are aten operators (torch.autograd is torch again),
// ops.<ns>.<op> is the operator ns::op, getattr(x, "name") with a constant
// name is x.name, parentheses change nothing, and a local name can be an
// alias of any of them (_0 = torch.save; t = torch; o = ops.aten). It is
// deliberately more generous than torch: aliases are tracked per file,
// without regard to order or scope, through any assignment, for and with
// target; a bracketed expression stands for everything inside it; and
// torch.ops.<ns>.<op>, which the importer rejects but torch.jit.script
// accepts, counts as ns::op. A spelling torch could run is never missed
// for being odd; the price is that a reference may be reported that torch
// would refuse to compile.

// tsRoots are the names the importer predefines that lead to operators or
// classes.
var tsRoots = map[string]bool{"torch": true, "ops": true, "__torch__": true}

// maxPathParts bounds a tracked reference: the longest that means
// anything is __torch__.torch.classes.<ns>.<class>.
const maxPathParts = 5

// maxAliases bounds the references one name may stand for, and
// maxPasses the passes spent reaching a fixed point of aliases.
const (
	maxAliases = 256
	maxPasses  = 32
)

// maxUses bounds the references kept from one file; the findings
// reported are far fewer, and one is enough to fail the gate.
const maxUses = 10_000

var pyKeywords = map[string]bool{
	"and": true, "as": true, "assert": true, "break": true, "class": true, "continue": true, "def": true,
	"del": true, "elif": true, "else": true, "except": true, "finally": true, "for": true, "from": true,
	"global": true, "if": true, "import": true, "in": true, "is": true, "lambda": true, "nonlocal": true,
	"not": true, "or": true, "pass": true, "raise": true, "return": true, "try": true, "while": true,
	"with": true, "yield": true, "True": true, "False": true, "None": true,
}

// tsUse is something in the source worth a finding.
type tsUse struct {
	off  int
	ref  string // the resolved reference, e.g. torch.save or ops.evil.run
	name string // for builtins and dunders: the name as written
	// dynamic marks a getattr whose name is not a constant string.
	dynamic bool
}

// resolver holds the aliases of one source file.
type resolver struct {
	toks    []tsToken
	env     map[string]map[string]bool
	changed bool
	final   bool // the reporting pass, after aliases reached a fixed point
	uses    []tsUse
	seen    map[tsUse]bool
	err     error
}

// resolveTorchScript lists the references in toks that resolve to an
// operator or class, and the names torch-written code never uses.
func resolveTorchScript(toks []tsToken) ([]tsUse, error) {
	r := &resolver{toks: toks, env: map[string]map[string]bool{}, seen: map[tsUse]bool{}}
	lines := logicalLines(toks)
	for pass := 0; ; pass++ {
		if pass == maxPasses {
			return nil, &formats.LimitError{Limit: "torchscript-alias-passes", Max: maxPasses}
		}
		r.changed = false
		for _, l := range lines {
			r.line(l)
		}
		if r.err != nil {
			return nil, r.err
		}
		if !r.changed {
			break
		}
	}
	r.final = true
	for _, l := range lines {
		r.line(l)
	}
	return r.uses, r.err
}

// logicalLines splits tokens at statement ends.
func logicalLines(toks []tsToken) [][]tsToken {
	var out [][]tsToken
	start := 0
	for i, t := range toks {
		if t.kind == tsNewline {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// line handles one statement: its bindings, then every expression in it.
func (r *resolver) line(l []tsToken) {
	depth, lastEq := 0, -1
	for i, t := range l {
		if t.kind != tsOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case "=":
			if depth == 0 {
				lastEq = i
			}
		}
	}
	switch {
	case lastEq >= 0:
		r.bind(l[:lastEq], r.region(l[lastEq+1:]))
		r.region(l[:lastEq])
	case len(l) > 0 && l[0].kind == tsName && l[0].text == "for":
		in := slices.IndexFunc(l, func(t tsToken) bool { return t.kind == tsName && t.text == "in" })
		if in < 0 {
			r.region(l)
			return
		}
		r.bind(l[1:in], r.region(l[in+1:]))
	case len(l) > 0 && l[0].kind == tsName && l[0].text == "with":
		as := slices.IndexFunc(l, func(t tsToken) bool { return t.kind == tsName && t.text == "as" })
		if as < 0 {
			r.region(l)
			return
		}
		r.bind(l[as+1:], r.region(l[1:as]))
	default:
		r.region(l)
	}
}

// bind makes every plain name among targets stand also for refs.
func (r *resolver) bind(targets []tsToken, refs []string) {
	if len(refs) == 0 {
		return
	}
	for i, t := range targets {
		if t.kind != tsName || pyKeywords[t.text] || i > 0 && targets[i-1].kind == tsOp && targets[i-1].text == "." {
			continue
		}
		set := r.env[t.text]
		if set == nil {
			set = map[string]bool{}
			r.env[t.text] = set
		}
		for _, p := range refs {
			if set[p] {
				continue
			}
			if len(set) >= maxAliases {
				r.err = &formats.LimitError{Limit: "torchscript-aliases", Max: maxAliases}
				return
			}
			set[p] = true
			r.changed = true
		}
	}
}

// region reads every expression in toks and returns the references the
// expressions' values may be.
func (r *resolver) region(toks []tsToken) []string {
	var vals []string
	for i := 0; i < len(toks); {
		t := toks[i]
		startsPrimary := t.kind == tsName && !pyKeywords[t.text] ||
			t.kind == tsOp && (t.text == "(" || t.text == "[" || t.text == "{")
		if !startsPrimary {
			if t.kind == tsName {
				r.checkName(t, toks, i)
			}
			i++
			continue
		}
		v, next := r.primary(toks, i)
		vals = append(vals, v...)
		i = next
	}
	return vals
}

// closing returns the index of the bracket that closes toks[i].
func closing(toks []tsToken, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		if toks[j].kind != tsOp {
			continue
		}
		switch toks[j].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

// primary reads an atom and its trailers (.name, calls, subscripts) at
// toks[i] and returns the references its value may be and the index after
// it.
func (r *resolver) primary(toks []tsToken, i int) ([]string, int) {
	var val []string
	t := toks[i]
	switch {
	case t.kind == tsName && (t.text == "getattr" || t.text == "hasattr") && i+1 < len(toks) && toks[i+1].text == "(":
		end := closing(toks, i+1)
		args := splitArgs(toks[i+2 : end])
		var base []string
		if len(args) > 0 {
			base = r.region(args[0])
		}
		for _, a := range args[min(1, len(args)):] {
			r.region(a)
		}
		switch {
		case len(args) >= 2 && len(args[1]) == 1 && args[1][0].kind == tsString:
			if t.text == "getattr" {
				val = r.extend(base, args[1][0].text, args[1][0].off)
			}
		case t.text == "getattr":
			r.use(tsUse{off: t.off, name: "getattr", dynamic: true})
		}
		i = end + 1
	case t.kind == tsName:
		r.checkName(t, toks, i)
		val = r.lookup(t.text)
		for _, p := range val {
			if p != t.text {
				r.use(tsUse{off: t.off, ref: p})
			}
		}
		i++
	default: // a bracket: everything inside may be the value
		end := closing(toks, i)
		val = r.region(toks[i+1 : end])
		i = end + 1
	}
	for i < len(toks) && toks[i].kind == tsOp {
		switch toks[i].text {
		case ".":
			if i+1 >= len(toks) || toks[i+1].kind != tsName {
				return val, i + 1
			}
			r.checkName(toks[i+1], toks, i+1)
			val = r.extend(val, toks[i+1].text, toks[i+1].off)
			i += 2
		case "(":
			end := closing(toks, i)
			r.region(toks[i+1 : end])
			val = nil // what a call returns is a value, not an operator
			i = end + 1
		case "[":
			end := closing(toks, i)
			r.region(toks[i+1 : end])
			i = end + 1
		default:
			return val, i
		}
	}
	return val, i
}

// splitArgs splits call arguments at top-level commas.
func splitArgs(toks []tsToken) [][]tsToken {
	var out [][]tsToken
	depth, start := 0, 0
	for i, t := range toks {
		if t.kind != tsOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, toks[start:i])
				start = i + 1
			}
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

// lookup returns what a name may stand for.
func (r *resolver) lookup(name string) []string {
	var out []string
	if tsRoots[name] {
		out = append(out, name)
	}
	for p := range r.env[name] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// extend applies .name to each reference, reporting the results.
func (r *resolver) extend(refs []string, name string, off int) []string {
	var out []string
	for _, p := range refs {
		if p == "torch" && name == "autograd" {
			// The importer's torch.autograd is torch itself.
			out = append(out, p)
			continue
		}
		if strings.Count(p, ".")+1 >= maxPathParts {
			continue
		}
		q := p + "." + name
		out = append(out, q)
		r.use(tsUse{off: off, ref: q})
	}
	return out
}

// use records a finding-worthy reference on the reporting pass.
func (r *resolver) use(u tsUse) {
	if !r.final || r.seen[u] || len(r.uses) >= maxUses {
		return
	}
	if u.ref != "" {
		if _, _, _, ok := judgeRef(u.ref); !ok {
			return
		}
	}
	r.seen[u] = true
	r.uses = append(r.uses, u)
}

// foreignBuiltins are Python builtins TorchScript does not have; real
// torch.jit.save output never calls them, and torch.jit.load rejects them.
var foreignBuiltins = map[string]bool{
	"open": true, "__import__": true, "eval": true, "exec": true, "compile": true, "globals": true,
	"locals": true, "vars": true, "breakpoint": true, "exit": true, "quit": true, "setattr": true, "delattr": true,
}

// introspection are dunder names that reach interpreter internals.
var introspection = map[string]bool{
	"__builtins__": true, "__class__": true, "__globals__": true, "__subclasses__": true, "__dict__": true,
	"__code__": true, "__mro__": true, "__bases__": true, "__base__": true, "__getattribute__": true,
	"__reduce__": true, "__reduce_ex__": true, "__loader__": true, "__spec__": true, "__func__": true,
	"__self__": true, "__closure__": true, "__import__": true,
}

// checkName reports foreign builtins called and introspection names.
func (r *resolver) checkName(t tsToken, toks []tsToken, i int) {
	afterDot := i > 0 && toks[i-1].kind == tsOp && toks[i-1].text == "."
	if i > 0 && toks[i-1].kind == tsName && toks[i-1].text == "def" {
		return // a method of that name is not the builtin
	}
	called := i+1 < len(toks) && toks[i+1].kind == tsOp && toks[i+1].text == "("
	if introspection[t.text] || !afterDot && called && foreignBuiltins[t.text] {
		r.use(tsUse{off: t.off, name: t.text})
	}
}

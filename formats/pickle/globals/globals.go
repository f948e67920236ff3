// Package globals judges the Python globals (module, name) that a pickle
// imports through GLOBAL, INST and STACK_GLOBAL, against embedded, versioned
// allow and deny lists (allow.tsv, deny.tsv), a table of module aliases
// reachable as attributes (aliases.tsv) and CPython's protocol<3 renaming
// table (compat.tsv). See README.md for the list format and the matching
// rules.
//
// The policy is allowlist first: an exact allowlist entry passes, then any
// denylist match (including every dotted prefix and traversal suffix of the
// name, and any dunder attribute) raises the severity to high or critical,
// then wildcard allowlist entries pass class names of known-safe packages,
// and everything else is Unknown (medium). An allow entry says how the
// global may be used (Uses): built as a class, called as a function, or
// only held as a value; the pickle machine reports any other use. Allow
// entries belong to ecosystems (ecosystems/*.tsv, generated from the
// libraries by tools/allowlist, plus the hand-kept allow.tsv) that a
// Selection can switch off.
//
// A verdict is a pure function of two strings and the embedded data: this
// package never imports, resolves or executes anything, and never depends on
// the Python installed on the host.
package globals

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Class is the outcome of judging a global.
type Class int

// Classes of verdict, from harmless to dangerous.
const (
	// Allowed globals are known-safe for ML pickles.
	Allowed Class = iota
	// Unknown globals are on neither list; a gate fails on them at its
	// default threshold, as PyTorch's weights_only loader would.
	Unknown
	// Denied globals execute code, spawn processes, import, load nested
	// pickles or touch files and the network.
	Denied
)

func (c Class) String() string {
	switch c {
	case Allowed:
		return "allowed"
	case Unknown:
		return "unknown"
	case Denied:
		return "denied"
	}
	return "class(?)"
}

// Use is a set of ways a pickle may use an allowlisted global.
type Use uint8

// Uses of a global. Every allowed global may be held as a value (a value
// runs nothing until something calls it, and calls are judged); an entry
// that permits only UseReference may not be built or called.
const (
	// UseReference: the global appears as a value (an argument, a dict
	// value, BUILD state), e.g. builtins.hash stored as Word2Vec's hashfxn.
	UseReference Use = 1 << iota
	// UseClass: the class is built without its constructor running on the
	// pickle's arguments: NEWOBJ/NEWOBJ_EX (cls.__new__), or the class
	// argument of a reconstructor (copyreg._reconstructor, numpy's
	// _reconstruct), then state restored by BUILD.
	UseClass
	// UseFunction: the global is called with the pickle's arguments by
	// REDUCE, OBJ or INST (for a class that runs __init__).
	UseFunction
)

var useNames = []struct {
	u    Use
	name string
}{{UseClass, "class"}, {UseFunction, "function"}, {UseReference, "reference"}}

// String renders a use set as its list spelling, "class,reference".
func (u Use) String() string {
	var parts []string
	for _, n := range useNames {
		if u&n.u != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ",")
}

// Has reports whether every use in x is in u.
func (u Use) Has(x Use) bool { return u&x == x }

// parseUses reads "class,function,reference" (any non-empty subset, in
// that order).
func parseUses(s string) (Use, error) {
	var u Use
	for _, p := range strings.Split(s, ",") {
		i := slices.IndexFunc(useNames, func(n struct {
			u    Use
			name string
		}) bool {
			return n.name == p
		})
		if i < 0 || u&useNames[i].u != 0 {
			return 0, fmt.Errorf("uses %q: want a list of class, function, reference without repeats", s)
		}
		u |= useNames[i].u
	}
	if u.String() != s {
		return 0, fmt.Errorf("uses %q: write them in the order %q", s, u.String())
	}
	return u, nil
}

// Verdict is the judgement on one global.
type Verdict struct {
	Class    Class
	Severity formats.Severity // Info when Allowed, Medium when Unknown, High or Critical when Denied
	Category string           // a deny category (see Categories); "" when allowed or unknown
	Reason   string           // the matching entry's documented reason
	Entry    string           // the list entry that matched, e.g. "os.*" or "builtins.eval"
	// Uses and Ecosystem are set when Allowed: how the global may be used
	// (UseReference is always included) and the ecosystem of its entry.
	Uses      Use
	Ecosystem string
}

// Entry is one line of an embedded list. For the allowlist Severity is
// always Info, Category names the ecosystem ("torch", "sklearn", ...) and
// Uses, Library and Observed give what the entry permits and its
// provenance: the library and version it was checked against, and how the
// global was seen ("pickled" in real pickles, "enumerated" from the
// library, "probed", or "source-read" for entries written by reading the
// library's source).
type Entry struct {
	Pattern  string
	Severity formats.Severity
	Category string
	Reason   string
	Uses     Use
	Library  string
	Observed string
}

// Selection switches allowlist ecosystems off: the globals of a disabled
// ecosystem are judged as if it had no entries (Unknown, unless denied).
// The zero Selection enables every ecosystem.
type Selection struct {
	off map[string]bool
}

// NewSelection builds a Selection from an enable list (nil: every
// ecosystem) and a disable list. Every name must be an ecosystem of the
// embedded lists.
func NewSelection(enable, disable []string) (Selection, error) {
	s := Selection{off: map[string]bool{}}
	for _, n := range append(slices.Clone(enable), disable...) {
		if !slices.Contains(policy.ecosystems, n) {
			return Selection{}, fmt.Errorf("unknown pickle ecosystem %q (known: %s)", n, strings.Join(policy.ecosystems, ", "))
		}
	}
	if enable != nil {
		for _, e := range policy.ecosystems {
			if !slices.Contains(enable, e) {
				s.off[e] = true
			}
		}
	}
	for _, n := range disable {
		s.off[n] = true
	}
	return s, nil
}

// Enabled reports whether ecosystem's entries count.
func (s Selection) Enabled(ecosystem string) bool { return !s.off[ecosystem] }

// Disabled returns the disabled ecosystems, sorted.
func (s Selection) Disabled() []string {
	var out []string
	for e := range s.off {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// Ecosystems returns the names of the allowlist's ecosystems, sorted.
func Ecosystems() []string { return slices.Clone(policy.ecosystems) }

type selectionKey struct{}

// WithSelection returns a context carrying s, for the pickle analyzers of
// a scan to judge globals with (formats are reached through the registry,
// so the context is how a scan's setting reaches them).
func WithSelection(ctx context.Context, s Selection) context.Context {
	return context.WithValue(ctx, selectionKey{}, s)
}

// SelectionFrom returns the Selection ctx carries, or the zero Selection.
func SelectionFrom(ctx context.Context) Selection {
	s, _ := ctx.Value(selectionKey{}).(Selection)
	return s
}

// Categories lists the deny categories, in the order documentation shows them.
var Categories = []string{
	"code-execution", "process", "import", "nested-loader", "attribute-traversal",
	"interpreter", "scanner-deactivation", "file-io", "network",
}

// Bounds on what Judge examines. Real globals have a handful of components;
// longer ones are hostile and judged without walking them.
const (
	maxComponents = 32
	maxGlobalLen  = 1024
)

// Judge classifies the global module.name. module and name must already be
// compat-mapped (MapCompat) when the pickle's protocol is below 3; name may
// be dotted (protocol >= 4 resolves it attribute by attribute).
func Judge(module, name string) Verdict {
	return policy.judge(module, name, Selection{})
}

// JudgeIn is Judge with the ecosystems s disables left out.
func JudgeIn(module, name string, s Selection) Verdict {
	return policy.judge(module, name, s)
}

// NestedLoader reports whether calling module.name deserialises its bytes
// or string arguments (pickle.loads, torch.load on a buffer, ...), so the
// caller should scan constant bytes arguments as pickles.
func NestedLoader(module, name string) bool {
	if _, ok := policy.allowExact[allowKey(module, name)]; ok {
		// An exact allow entry was checked not to deserialise anything
		// (torch.serialization._get_layout maps a layout name to a layout).
		return false
	}
	for _, m := range policy.denyMatches(module, name) {
		if m.e.Category == "nested-loader" {
			return true
		}
	}
	return false
}

// MapCompat applies the Python 2 to 3 renames CPython's unpickler applies
// when the protocol is below 3 (_compat_pickle NAME_MAPPING, then
// IMPORT_MAPPING on the module alone).
func MapCompat(module, name string) (string, string) {
	if to, ok := compat.names[[2]string{module, name}]; ok {
		return to[0], to[1]
	}
	if to, ok := compat.modules[module]; ok {
		return to, name
	}
	return module, name
}

// Lists returns the lists' version and copies of their entries in file
// order, for `modelgate rules` and documentation.
func Lists() (version string, allow, deny []Entry) {
	allow = make([]Entry, len(policy.allow))
	for i, e := range policy.allow {
		allow[i] = e.Entry
	}
	deny = make([]Entry, len(policy.deny))
	for i, e := range policy.deny {
		deny[i] = e.Entry
	}
	return policy.version, allow, deny
}

func (p *lists) judge(module, name string, sel Selection) Verdict {
	if len(module)+len(name) > maxGlobalLen || strings.Count(module, ".")+strings.Count(name, ".")+2 > maxComponents {
		return Verdict{Class: Denied, Severity: formats.Critical, Category: "attribute-traversal",
			Reason: "dotted global too long or too deep to be a real Python object; only hand-made pickles contain one"}
	}
	if !validPath(module) || !validPath(name) {
		return Verdict{Class: Unknown, Severity: formats.Medium,
			Reason: "not a valid dotted Python name; the unpickler cannot resolve it as written"}
	}
	if e, ok := p.allowExact[allowKey(module, name)]; ok && sel.Enabled(e.Category) {
		return allowedBy(e)
	}
	if best, ok := bestMatch(p.denyMatches(module, name)); ok {
		return Verdict{Class: Denied, Severity: best.e.Severity, Category: best.e.Category,
			Reason: best.e.Reason, Entry: best.e.Pattern}
	}
	if v, ok := method(module, name, sel); ok {
		return v
	}
	if e, ok := p.allowWildcard(module, name); ok && sel.Enabled(e.Category) {
		return allowedBy(e)
	}
	return Verdict{Class: Unknown, Severity: formats.Medium,
		Reason: "not on the allowlist of known-safe ML globals; loading it imports and may call code modelgate does not know"}
}

// DenyVerdict is the denylist's verdict on module.name, allow entries
// aside: what an exact allow entry that overrides the denylist does not
// cover. ok is false when no deny entry matches.
func DenyVerdict(module, name string) (v Verdict, ok bool) {
	best, ok := bestMatch(policy.denyMatches(module, name))
	if !ok {
		return Verdict{}, false
	}
	return Verdict{Class: Denied, Severity: best.e.Severity, Category: best.e.Category,
		Reason: best.e.Reason, Entry: best.e.Pattern}, true
}

func allowedBy(e *entry) Verdict {
	return Verdict{Class: Allowed, Severity: formats.Info, Reason: e.Reason, Entry: e.Pattern,
		Uses: e.Uses | UseReference, Ecosystem: e.Category}
}

// match is one reason a global is denied: a list entry, or the dunder rule
// (e == dunderEntry).
type match struct {
	e    *entry
	span int // components the entry's pattern covers; more is more specific
}

var dunderEntry = &entry{Entry: Entry{
	Pattern:  "*.__dunder__",
	Severity: formats.Critical,
	Category: "attribute-traversal",
	Reason:   "reaches a dunder attribute (__globals__, __builtins__, __class__, __subclasses__, __dict__ ...), the start of an introspection chain to eval or os",
}}

// bestMatch picks the most severe match; among equals a list entry beats
// the generic dunder rule and a longer pattern beats a shorter one.
func bestMatch(ms []match) (match, bool) {
	if len(ms) == 0 {
		return match{}, false
	}
	best := ms[0]
	for _, m := range ms[1:] {
		switch {
		case m.e.Severity != best.e.Severity:
			if m.e.Severity > best.e.Severity {
				best = m
			}
		case (m.e == dunderEntry) != (best.e == dunderEntry):
			if best.e == dunderEntry {
				best = m
			}
		case m.span > best.span || (m.span == best.span && m.e.line < best.e.line):
			best = m
		}
	}
	return best, true
}

// denyMatches returns every deny entry that matches module.name: prefixes
// of the whole path (os.system under os.*), suffixes of the dotted name of
// two or more components (pathlib + os.system judged as os.system), any
// component named by a "*.X" entry, and any dunder component of the name.
func (p *lists) denyMatches(module, name string) []match {
	if len(module)+len(name) > maxGlobalLen || strings.Count(module, ".")+strings.Count(name, ".")+2 > maxComponents {
		return []match{{e: dunderEntry}}
	}
	path := append(strings.Split(module, "."), strings.Split(name, ".")...)
	nameStart := strings.Count(module, ".") + 1
	var out []match
	p.prefixMatches(path, &out)
	for s := nameStart; s+1 < len(path); s++ {
		p.prefixMatches(path[s:], &out)
		if alt, ok := moduleAlias(path[s]); ok {
			p.prefixMatches(append(slices.Clip(alt), path[s+1:]...), &out)
		}
	}
	for i, c := range path {
		if i == 0 {
			continue
		}
		if e, ok := p.denyComponent[c]; ok {
			out = append(out, match{e: e, span: 1})
		}
		if i >= nameStart && isDunder(c) {
			out = append(out, match{e: dunderEntry})
		}
	}
	return out
}

// prefixMatches appends the exact, module-wildcard and last-component glob
// entries that match a leading run of path.
func (p *lists) prefixMatches(path []string, out *[]match) {
	var b strings.Builder
	for k := 1; k <= len(path); k++ {
		parent := b.String()
		if k > 1 {
			b.WriteByte('.')
		}
		b.WriteString(path[k-1])
		if e, ok := p.denyPrefix[b.String()]; ok {
			*out = append(*out, match{e: e, span: k})
		}
		for _, g := range p.denyGlob[parent] {
			if strings.HasPrefix(path[k-1], g.glob) {
				*out = append(*out, match{e: g, span: k})
			}
		}
	}
}

// allowWildcard finds a "module.*" allow entry covering module (or a parent
// package of it) when name is a single class-like component.
func (p *lists) allowWildcard(module, name string) (*entry, bool) {
	if !classLike(name) && !torchScriptClass(module, name) {
		return nil, false
	}
	for i := len(module); i > 0; i = strings.LastIndexByte(module[:i], '.') {
		if e, ok := p.allowPrefix[module[:i]]; ok {
			return e, true
		}
	}
	return nil, false
}

// torchScriptClass reports a class of the TorchScript namespace
// (__torch__.*), which torch.jit.load's unpickler resolves against the
// classes compiled from the archive's code/ folder, never by a Python
// import: any identifier names a compiled class, CapWords or not (R
// torch's nn_linear_<hash>, a lowercase Python class name scripted).
func torchScriptClass(module, name string) bool {
	return (module == "__torch__" || strings.HasPrefix(module, "__torch__.")) && ident(name) && !isDunder(name)
}

// reservedNames are CapWords names ML code conventionally binds to modules
// (import torch.nn.functional as F), which a class wildcard must not pass.
var reservedNames = map[string]bool{"F": true, "K": true, "T": true, "Image": true}

// classLike reports whether name looks like a class: CapWords after any
// leading underscores, or Cython's __pyx_unpickle_<Class> helper, which
// only calls <Class>.__new__ and restores state.
func classLike(name string) bool {
	if reservedNames[name] || strings.Contains(name, ".") || isDunder(name) {
		return false
	}
	name = strings.TrimPrefix(name, "__pyx_unpickle_")
	name = strings.TrimLeft(name, "_")
	return name != "" && name[0] >= 'A' && name[0] <= 'Z'
}

// moduleAlias returns the module an attribute name conventionally stands
// for: an aliases.tsv entry, or the name without leading underscores
// (collections binds sys as _sys).
func moduleAlias(c string) ([]string, bool) {
	if m, ok := aliases[c]; ok {
		return m, true
	}
	if t := strings.TrimLeft(c, "_"); t != c && t != "" {
		return []string{t}, true
	}
	return nil, false
}

func isDunder(c string) bool {
	return len(c) > 4 && strings.HasPrefix(c, "__") && strings.HasSuffix(c, "__")
}

// validPath reports whether s is a non-empty dotted name whose components
// are non-empty and free of whitespace, control characters and ':'.
func validPath(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == ':' || r == '\uFFFD' {
			return false
		}
	}
	return true
}

func allowKey(module, name string) [2]string { return [2]string{module, name} }

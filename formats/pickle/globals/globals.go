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
// and everything else is Unknown (medium).
//
// A verdict is a pure function of two strings and the embedded data: this
// package never imports, resolves or executes anything, and never depends on
// the Python installed on the host.
package globals

import (
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

// Verdict is the judgement on one global.
type Verdict struct {
	Class    Class
	Severity formats.Severity // Info when Allowed, Medium when Unknown, High or Critical when Denied
	Category string           // a deny category (see Categories); "" when allowed or unknown
	Reason   string           // the matching entry's documented reason
	Entry    string           // the list entry that matched, e.g. "os.*" or "builtins.eval"
}

// Entry is one line of an embedded list. For the allowlist Severity is
// always Info and Category names the ecosystem ("torch", "sklearn", ...).
type Entry struct {
	Pattern  string
	Severity formats.Severity
	Category string
	Reason   string
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
	return policy.judge(module, name)
}

// NestedLoader reports whether calling module.name deserialises its bytes
// or string arguments (pickle.loads, torch.load on a buffer, ...), so the
// caller should scan constant bytes arguments as pickles.
func NestedLoader(module, name string) bool {
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

func (p *lists) judge(module, name string) Verdict {
	if len(module)+len(name) > maxGlobalLen || strings.Count(module, ".")+strings.Count(name, ".")+2 > maxComponents {
		return Verdict{Class: Denied, Severity: formats.Critical, Category: "attribute-traversal",
			Reason: "dotted global too long or too deep to be a real Python object; only hand-made pickles contain one"}
	}
	if !validPath(module) || !validPath(name) {
		return Verdict{Class: Unknown, Severity: formats.Medium,
			Reason: "not a valid dotted Python name; the unpickler cannot resolve it as written"}
	}
	if e, ok := p.allowExact[allowKey(module, name)]; ok {
		return Verdict{Class: Allowed, Severity: formats.Info, Reason: e.Reason, Entry: e.Pattern}
	}
	if best, ok := bestMatch(p.denyMatches(module, name)); ok {
		return Verdict{Class: Denied, Severity: best.e.Severity, Category: best.e.Category,
			Reason: best.e.Reason, Entry: best.e.Pattern}
	}
	if e, ok := p.allowWildcard(module, name); ok {
		return Verdict{Class: Allowed, Severity: formats.Info, Reason: e.Reason, Entry: e.Pattern}
	}
	return Verdict{Class: Unknown, Severity: formats.Medium,
		Reason: "not on the allowlist of known-safe ML globals; loading it imports and may call code modelgate does not know"}
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
	if !classLike(name) {
		return nil, false
	}
	for i := len(module); i > 0; i = strings.LastIndexByte(module[:i], '.') {
		if e, ok := p.allowPrefix[module[:i]]; ok {
			return e, true
		}
	}
	return nil, false
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
